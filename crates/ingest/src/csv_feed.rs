//! Reading a CSV feed through its mapping: the header and the mapping are
//! checked once, up front; then each row becomes a [`FeedRecord`] or a
//! rejection with its reason, and a bad row never stops the rest.

use std::collections::HashMap;
use std::io::Read;

use contactpoint_domain::{
    Address, Carer, ContactDetails, Email, Gender, Involvement, Label, Name, NhsNumber,
    Organisation, PersonName, PhoneNumber, Postcode, Practitioner, Relationship, Service,
    ServiceKind, SourceId, SourceRecordId, SourceRecordRef, Upn,
};
use time::Date;
use time::format_description::OwnedFormatItem;

use crate::CsvMapping;
use crate::mapping::{CarerColumns, ServiceColumns};
use crate::record::{Action, FeedRecord, Rejection};

/// Why a feed cannot be read at all: nothing of it is imported.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(
        "the mapping is for source {mapping:?}, but the feed is being imported as {importing:?}"
    )]
    WrongSource { mapping: String, importing: String },
    #[error("the mapping's date_format {format:?} is not a date format: {problem}")]
    DateFormat { format: String, problem: String },
    #[error(
        "the file's header lacks columns the mapping names: {}; is this the right file and mapping?",
        .0.join(", ")
    )]
    MissingColumns(Vec<String>),
    #[error("the file cannot be read as CSV: {0}")]
    Unreadable(String),
    #[error("the source's registered mapping cannot be read: {0}")]
    Mapping(String),
}

/// A row that could not be used, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRejection {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The source's record id, when the row has one.
    pub record_id: Option<String>,
    pub reason: Rejection,
}

/// A CSV feed being read, one record per row.
pub struct CsvFeed<R> {
    rows: csv::StringRecordsIntoIter<R>,
    mapping: CsvMapping,
    source: SourceId,
    date_format: OwnedFormatItem,
    index: HashMap<String, usize>,
}

impl<R: Read> CsvFeed<R> {
    /// Checks the mapping against `source` and the file's header.
    pub fn new(input: R, mapping: CsvMapping, source: &SourceId) -> Result<Self, FeedError> {
        if mapping.source != source.as_str() {
            return Err(FeedError::WrongSource {
                mapping: mapping.source.clone(),
                importing: source.to_string(),
            });
        }
        let date_format = time::format_description::parse_owned::<2>(&mapping.date_format)
            .map_err(|e| FeedError::DateFormat {
                format: mapping.date_format.clone(),
                problem: e.to_string(),
            })?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header = reader
            .headers()
            .map_err(|e| FeedError::Unreadable(e.to_string()))?;
        let index: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_owned(), i))
            .collect();
        let mut missing: Vec<String> = mapping
            .columns()
            .into_iter()
            .filter(|c| !index.contains_key(*c))
            .map(str::to_owned)
            .collect();
        if let Some(action) = &mapping.action
            && !index.contains_key(action)
        {
            missing.push(action.clone());
        }
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            return Err(FeedError::MissingColumns(missing));
        }
        Ok(Self {
            rows: reader.into_records(),
            mapping,
            source: source.clone(),
            date_format,
            index,
        })
    }
}

impl<R: Read> Iterator for CsvFeed<R> {
    type Item = Result<FeedRecord, RowRejection>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        Some(match row {
            Ok(row) => {
                let line = row.position().map_or(0, csv::Position::line);
                let reader = RowReader {
                    feed: self,
                    row: &row,
                };
                let record_id = reader.cell(&self.mapping.record_id).map(str::to_owned);
                reader.record().map_err(|reason| RowRejection {
                    line,
                    record_id,
                    reason,
                })
            }
            Err(e) => Err(RowRejection {
                line: e.position().map_or(0, csv::Position::line),
                record_id: None,
                reason: Rejection::field("row", e),
            }),
        })
    }
}

/// One row, read through the feed's mapping.
struct RowReader<'a, R> {
    feed: &'a CsvFeed<R>,
    row: &'a csv::StringRecord,
}

impl<R> RowReader<'_, R> {
    /// A cell's trimmed text; a blank cell is no value.
    fn cell(&self, column: &str) -> Option<&str> {
        let i = *self.feed.index.get(column)?;
        self.row.get(i).map(str::trim).filter(|v| !v.is_empty())
    }

    fn optional(&self, column: &Option<String>) -> Option<&str> {
        column.as_deref().and_then(|c| self.cell(c))
    }

    fn name(&self, field: &'static str, column: Option<&str>) -> Result<Option<Name>, Rejection> {
        column
            .and_then(|c| self.cell(c))
            .map(|v| Name::parse(v).map_err(|e| Rejection::field(field, e)))
            .transpose()
    }

    fn date(&self, field: &'static str, column: Option<&str>) -> Result<Option<Date>, Rejection> {
        column
            .and_then(|c| self.cell(c))
            .map(|v| {
                Date::parse(v, &self.feed.date_format).map_err(|_| {
                    Rejection::field(
                        field,
                        format!(
                            "{v:?} is not a date in the form {}",
                            self.feed.mapping.date_format
                        ),
                    )
                })
            })
            .transpose()
    }

    fn contact(
        &self,
        phone: &Option<String>,
        email: &Option<String>,
    ) -> Result<ContactDetails, Rejection> {
        Ok(ContactDetails {
            phone: self
                .optional(phone)
                .map(|v| PhoneNumber::parse(v).map_err(|e| Rejection::field("phone", e)))
                .transpose()?,
            email: self
                .optional(email)
                .map(|v| Email::parse(v).map_err(|e| Rejection::field("email", e)))
                .transpose()?,
        })
    }

    fn record(&self) -> Result<FeedRecord, Rejection> {
        let mapping = &self.feed.mapping;
        let child = &mapping.child;
        let record_id = self.cell(&mapping.record_id).ok_or(Rejection::NoRecordId)?;
        let record = SourceRecordId::parse(record_id)
            .map_err(|e| Rejection::field("source record id", e))?;
        let mut out = FeedRecord::new(SourceRecordRef {
            source: self.feed.source.clone(),
            record,
        });
        if let Some(action) = self.optional(&mapping.action) {
            out.action = Action::parse(action).ok_or_else(|| {
                Rejection::field(
                    "action",
                    format!("{action:?} is not upsert, delete or deceased"),
                )
            })?;
        }
        out.given_name = self.name("given name", Some(&child.given))?;
        out.family_name = self.name("family name", Some(&child.family))?;
        out.preferred_given_name =
            self.name("preferred given name", child.preferred_given.as_deref())?;
        out.former_family_name = self.name("former family name", child.former_family.as_deref())?;
        out.date_of_birth = self.date("date of birth", Some(&child.date_of_birth))?;
        // A code the mapping does not list reads as unknown: a source's new
        // code must not cost a child its record.
        out.gender = self.optional(&child.gender).map(|code| {
            mapping
                .gender_codes
                .get(code)
                .copied()
                .unwrap_or(Gender::Unknown)
        });
        out.nhs_number = self
            .optional(&child.nhs_number)
            .map(|v| NhsNumber::parse(v).map_err(|e| Rejection::field("NHS number", e)))
            .transpose()?;
        out.upn = self
            .optional(&child.upn)
            .map(|v| Upn::parse(v).map_err(|e| Rejection::field("UPN", e)))
            .transpose()?;
        out.address = self.address()?;
        for group in &mapping.carers {
            out.carers.extend(self.carer(group)?);
        }
        for group in &mapping.services {
            out.involvements.extend(self.involvement(group)?);
        }
        Ok(out)
    }

    fn address(&self) -> Result<Option<Address>, Rejection> {
        let child = &self.feed.mapping.child;
        let Some(postcode) = self.optional(&child.postcode) else {
            return Ok(None);
        };
        let postcode = Postcode::parse(postcode).map_err(|e| Rejection::field("postcode", e))?;
        let lines = child
            .address_lines
            .iter()
            .filter_map(|c| self.cell(c))
            .map(|l| Label::parse(l).map_err(|e| Rejection::field("address", e)))
            .collect::<Result<Vec<_>, _>>()?;
        let town = self
            .optional(&child.town)
            .map(|t| Label::parse(t).map_err(|e| Rejection::field("town", e)))
            .transpose()?;
        Address::new(lines, town, postcode)
            .map(Some)
            .map_err(|e| Rejection::field("address", e))
    }

    fn carer(&self, group: &CarerColumns) -> Result<Option<Carer>, Rejection> {
        let (given, family) = (self.cell(&group.given), self.cell(&group.family));
        if given.is_none() && family.is_none() {
            return Ok(None);
        }
        let (Some(given), Some(family)) = (given, family) else {
            return Err(Rejection::field(
                "carer",
                "a carer needs a given and a family name",
            ));
        };
        let name = PersonName {
            given: Name::parse(given).map_err(|e| Rejection::field("carer", e))?,
            family: Name::parse(family).map_err(|e| Rejection::field("carer", e))?,
        };
        let relationship = self
            .cell(&group.relationship)
            .and_then(|code| self.feed.mapping.relationship_codes.get(code).copied())
            .unwrap_or(Relationship::Other);
        let parental_responsibility = self
            .optional(&group.parental_responsibility)
            .is_some_and(|v| self.feed.mapping.true_values.iter().any(|t| t == v));
        Ok(Some(Carer {
            name,
            relationship,
            parental_responsibility,
            contact: self.contact(&group.phone, &group.email)?,
        }))
    }

    fn involvement(&self, group: &ServiceColumns) -> Result<Option<Involvement>, Rejection> {
        let Some(organisation) = self.cell(&group.organisation) else {
            return Ok(None);
        };
        let kind = match group.kind {
            Some(kind) => kind,
            None => self
                .optional(&group.kind_column)
                .and_then(|code| self.feed.mapping.service_kind_codes.get(code).copied())
                .unwrap_or(ServiceKind::Other),
        };
        let contact = self.contact(&group.phone, &group.email)?;
        let practitioner = match (
            self.optional(&group.practitioner_given),
            self.optional(&group.practitioner_family),
        ) {
            (Some(given), Some(family)) => Some(Practitioner {
                name: PersonName {
                    given: Name::parse(given).map_err(|e| Rejection::field("practitioner", e))?,
                    family: Name::parse(family).map_err(|e| Rejection::field("practitioner", e))?,
                },
                role: Label::parse(self.optional(&group.role).unwrap_or("Practitioner"))
                    .map_err(|e| Rejection::field("role", e))?,
                contact: contact.clone(),
            }),
            _ => None,
        };
        // With a named practitioner the phone and email are theirs; without
        // one they are the organisation's.
        let organisation_contact = if practitioner.is_some() {
            ContactDetails::default()
        } else {
            contact
        };
        let service = Service {
            organisation: Organisation {
                name: Label::parse(organisation)
                    .map_err(|e| Rejection::field("organisation", e))?,
                contact: organisation_contact,
            },
            practitioner,
            start: self.date("service start", group.start.as_deref())?,
            end: None,
        };
        Involvement::new(kind, service, false)
            .map(Some)
            .map_err(|e| Rejection::field("service", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;
    use time::macros::date;

    const MAPPING: &str = r#"
source = "leeds-education"
record_id = "id"
action = "action"
date_format = "[day]/[month]/[year]"
true_values = ["Y"]

[child]
given = "forename"
family = "surname"
date_of_birth = "dob"
gender = "sex"
nhs_number = "nhs"
address_lines = ["line1", "line2"]
town = "town"
postcode = "postcode"

[gender_codes]
F = "female"
M = "male"

[relationship_codes]
MUM = "mother"

[[carers]]
given = "carer_forename"
family = "carer_surname"
relationship = "carer_relationship"
parental_responsibility = "carer_pr"
phone = "carer_phone"

[[services]]
kind = "educational_setting"
organisation = "school"
"#;

    const HEADER: &str = "id,action,forename,surname,dob,sex,nhs,line1,line2,town,postcode,carer_forename,carer_surname,carer_relationship,carer_pr,carer_phone,school";

    fn feed(rows: &[&str]) -> Result<CsvFeed<&'static [u8]>, FeedError> {
        let text = format!("{HEADER}\n{}\n", rows.join("\n"));
        let mapping = CsvMapping::from_toml(MAPPING).unwrap();
        CsvFeed::new(
            Box::leak(text.into_boxed_str()).as_bytes(),
            mapping,
            &SourceId::parse("leeds-education").unwrap(),
        )
    }

    #[test]
    fn a_full_row_becomes_a_checked_record() {
        let mut records = feed(&[
            "E1,,Amelia,Okonkwo,04/03/2019,F,9434765919,12 Church Lane,,Leeds,ls6 2ab,Grace,Okonkwo,MUM,Y,07700 900456,Little Oaks Primary",
        ])
        .unwrap();

        let record = records.next().unwrap().unwrap();

        assert_eq!(record.source_record.record.as_str(), "E1");
        assert_eq!(record.action, Action::Upsert);
        assert_eq!(record.family_name.unwrap().as_str(), "Okonkwo");
        assert_eq!(record.date_of_birth, Some(date!(2019 - 03 - 04)));
        assert_eq!(record.gender, Some(Gender::Female));
        assert_eq!(record.address.unwrap().postcode().as_str(), "LS6 2AB");
        assert_eq!(record.carers.len(), 1);
        assert_eq!(record.carers[0].relationship, Relationship::Mother);
        assert!(record.carers[0].parental_responsibility);
        assert_eq!(
            record.involvements[0].kind(),
            ServiceKind::EducationalSetting
        );
        assert!(records.next().is_none());
    }

    #[test]
    fn blank_cells_are_missing_values_and_a_bare_row_still_reads() {
        let mut records = feed(&["E2,deceased,,Okonkwo,,,,,,,,,,,,,"]).unwrap();

        let record = records.next().unwrap().unwrap();

        assert_eq!(record.action, Action::Deceased);
        assert_eq!(record.given_name, None);
        assert_eq!(record.date_of_birth, None);
        assert_eq!(record.address, None);
        assert!(record.carers.is_empty() && record.involvements.is_empty());
    }

    #[test]
    fn a_bad_row_is_rejected_with_its_line_id_and_reason_and_the_next_row_reads() {
        let records: Vec<_> = feed(&[
            "E3,,Amelia,Okonkwo,2019-03-04,F,,,,,,,,,,,",
            "E4,,Amelia,Okonkwo,04/03/2019,F,9434765910,,,,,,,,,,",
            ",,Amelia,Okonkwo,04/03/2019,F,,,,,,,,,,,",
            "E5,merge,Amelia,Okonkwo,04/03/2019,F,,,,,,,,,,,",
            "E6,,Amelia,Okonkwo,04/03/2019,F,,,,,,Grace,,,,,",
            "E7,,Kwame,Mensah,30/09/2011,M,,,,,,,,,,,",
        ])
        .unwrap()
        .collect();

        let rejected: Vec<_> = records.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(rejected.len(), 5);
        assert_eq!(rejected[0].line, 2);
        assert_eq!(rejected[0].record_id.as_deref(), Some("E3"));
        assert!(
            rejected[0]
                .reason
                .to_string()
                .contains("not a date in the form")
        );
        assert!(rejected[1].reason.to_string().starts_with("NHS number"));
        assert_eq!(rejected[2].reason, Rejection::NoRecordId);
        assert!(rejected[3].reason.to_string().contains("\"merge\""));
        assert!(rejected[4].reason.to_string().contains("carer"));
        let kwame = records.last().unwrap().as_ref().unwrap();
        assert_eq!(kwame.given_name.as_ref().unwrap().as_str(), "Kwame");
    }

    #[test]
    fn a_header_without_a_mapped_column_fails_before_any_row() {
        let mapping = CsvMapping::from_toml(MAPPING).unwrap();
        let text = "id,forename,surname\nE1,Amelia,Okonkwo\n";
        let source = SourceId::parse("leeds-education").unwrap();

        let Err(FeedError::MissingColumns(missing)) =
            CsvFeed::new(text.as_bytes(), mapping.clone(), &source)
        else {
            panic!("expected missing columns");
        };
        assert!(missing.contains(&"dob".to_owned()) && missing.contains(&"action".to_owned()));

        let other = SourceId::parse("nhs-pds").unwrap();
        let wrong = CsvFeed::new(HEADER.as_bytes(), mapping.clone(), &other);
        assert!(matches!(wrong, Err(FeedError::WrongSource { .. })));

        let mut bad_format = mapping;
        bad_format.date_format = "[day/[month]".into();
        let bad = CsvFeed::new(HEADER.as_bytes(), bad_format, &source);
        assert!(matches!(bad, Err(FeedError::DateFormat { .. })));
    }
}
