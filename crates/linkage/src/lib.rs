//! Record matching kernel; grows with the search and feeds issues.
