-- No query reads children by NHS number or UPN: linkage finds candidates by
-- blocking keys and weighs the identifiers kept beside each search profile.
-- The two indexes were only written, one random page for nearly every
-- child an import adds or gives an identifier.
DROP INDEX children_nhs_number;
DROP INDEX children_upn;
