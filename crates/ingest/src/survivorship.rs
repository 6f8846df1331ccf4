//! Merging what a source says into a child's record, field by field. When
//! the source and the record disagree, the source that is authoritative for
//! the field wins; between equals, the more recent value. A replaced name or
//! address stays on the record as a previous one (still searchable), and
//! every replaced value is kept in the child's history by the store.

use contactpoint_domain::{
    Child, ChildId, ContactPointId, Gender, PersonName, Provenance, RecordField, RecordStatus,
    Sourced,
};
use time::OffsetDateTime;

use crate::record::{Action, FeedRecord};

/// Which fields each source is authoritative for.
pub trait Authority: Send + Sync {
    fn is_authoritative(&self, source: &contactpoint_domain::SourceId, field: RecordField) -> bool;
}

/// Whether the incoming value, from `provenance`, should replace the
/// current one for `field`.
fn wins(
    authority: &dyn Authority,
    field: RecordField,
    incoming: &Provenance,
    current: &Provenance,
) -> bool {
    let incoming_rules = authority.is_authoritative(&incoming.source, field);
    let current_rules = authority.is_authoritative(&current.source, field);
    match (incoming_rules, current_rules) {
        (true, false) => true,
        (false, true) => false,
        _ => incoming.recorded_at >= current.recorded_at,
    }
}

/// Sets an optional field; says whether the value changed. A value equal to
/// the current one keeps the current provenance, so a re-import changes
/// nothing.
fn merge_optional<T: PartialEq + Clone>(
    authority: &dyn Authority,
    field: RecordField,
    slot: &mut Option<Sourced<T>>,
    incoming: Option<&T>,
    provenance: &Provenance,
) -> Option<Sourced<T>> {
    let value = incoming?;
    match slot {
        Some(current) if current.value == *value => None,
        Some(current) if !wins(authority, field, provenance, &current.provenance) => None,
        _ => slot.replace(Sourced::new(value.clone(), provenance.clone())),
    }
}

fn merge_required<T: PartialEq + Clone>(
    authority: &dyn Authority,
    field: RecordField,
    slot: &mut Sourced<T>,
    incoming: Option<&T>,
    provenance: &Provenance,
) -> Option<Sourced<T>> {
    let value = incoming?;
    if slot.value == *value || !wins(authority, field, provenance, &slot.provenance) {
        return None;
    }
    Some(std::mem::replace(
        slot,
        Sourced::new(value.clone(), provenance.clone()),
    ))
}

/// The record's full name, when it gives both parts.
fn person_name(record: &FeedRecord) -> Option<PersonName> {
    Some(PersonName {
        given: record.given_name.clone()?,
        family: record.family_name.clone()?,
    })
}

/// Applies `record` to `child` as received at `at`; the record's own source
/// is remembered on the child. The result equals `child` when the record
/// says nothing new.
pub fn apply(
    authority: &dyn Authority,
    child: &Child,
    record: &FeedRecord,
    at: OffsetDateTime,
) -> Child {
    let mut out = child.clone();
    let provenance = Provenance {
        source: record.source_record.source.clone(),
        recorded_at: at,
    };
    match record.action {
        Action::Delete => {
            out.source_records.retain(|r| *r != record.source_record);
            return out;
        }
        Action::Deceased => {
            if !matches!(
                out.status,
                RecordStatus::Deceased { .. } | RecordStatus::Archived { .. }
            ) {
                out.status = RecordStatus::Deceased {
                    notified_on: at.date(),
                };
            }
        }
        Action::Upsert => {}
    }
    if !out.source_records.contains(&record.source_record) {
        out.source_records.push(record.source_record.clone());
        // In the order the stores read them back.
        out.source_records.sort_by(|a, b| {
            (a.source.as_str(), a.record.as_str()).cmp(&(b.source.as_str(), b.record.as_str()))
        });
    }

    // A name from a source that loses stays findable as a previous name.
    let name = person_name(record);
    if let Some(replaced) = merge_required(
        authority,
        RecordField::Name,
        &mut out.name,
        name.as_ref(),
        &provenance,
    ) {
        remember(&mut out.previous_names, replaced);
    } else if let Some(name) = name
        && name != out.name.value
    {
        remember(
            &mut out.previous_names,
            Sourced::new(name, provenance.clone()),
        );
    }
    if let Some(former) = &record.former_family_name {
        let former = PersonName {
            given: record
                .given_name
                .clone()
                .unwrap_or_else(|| out.name.value.given.clone()),
            family: former.clone(),
        };
        if former != out.name.value {
            remember(
                &mut out.previous_names,
                Sourced::new(former, provenance.clone()),
            );
        }
    }
    merge_optional(
        authority,
        RecordField::Name,
        &mut out.preferred_given_name,
        record.preferred_given_name.as_ref(),
        &provenance,
    );
    // An unknown gender says nothing against a known one.
    let gender = record.gender.filter(|g| *g != Gender::Unknown);
    merge_required(
        authority,
        RecordField::Gender,
        &mut out.gender,
        gender.as_ref(),
        &provenance,
    );
    merge_required(
        authority,
        RecordField::DateOfBirth,
        &mut out.date_of_birth,
        record.date_of_birth.as_ref(),
        &provenance,
    );
    // A move: the old address stays searchable as a previous one.
    if let Some(replaced) = merge_optional(
        authority,
        RecordField::Address,
        &mut out.address,
        record.address.as_ref(),
        &provenance,
    ) {
        remember(&mut out.previous_addresses, replaced);
    }
    for old in &record.previous_addresses {
        if out.address.as_ref().is_none_or(|a| a.value != *old) {
            remember(
                &mut out.previous_addresses,
                Sourced::new(old.clone(), provenance.clone()),
            );
        }
    }
    merge_optional(
        authority,
        RecordField::NhsNumber,
        &mut out.nhs_number,
        record.nhs_number.as_ref(),
        &provenance,
    );
    merge_optional(
        authority,
        RecordField::Upn,
        &mut out.upn,
        record.upn.as_ref(),
        &provenance,
    );

    // Carers and services: each source's own list, replaced by its latest.
    let source = &provenance.source;
    if !record.carers.is_empty() {
        let incoming: Vec<_> = record
            .carers
            .iter()
            .cloned()
            .map(|c| Sourced::new(c, provenance.clone()))
            .collect();
        replace_from(&mut out.carers, incoming, source);
    }
    if !record.involvements.is_empty() {
        let incoming: Vec<_> = record
            .involvements
            .iter()
            .cloned()
            .map(|i| Sourced::new(i, provenance.clone()))
            .collect();
        replace_from(&mut out.involvements, incoming, source);
    }
    out
}

/// Adds a value to a history list unless an equal value is there.
pub(crate) fn remember<T: PartialEq>(list: &mut Vec<Sourced<T>>, value: Sourced<T>) {
    if !list.iter().any(|v| v.value == value.value) {
        list.push(value);
    }
}

/// Replaces the entries `source` gave with `incoming`, unless they are the
/// same values (then the old provenance stays and nothing changes).
fn replace_from<T: PartialEq>(
    list: &mut Vec<Sourced<T>>,
    incoming: Vec<Sourced<T>>,
    source: &contactpoint_domain::SourceId,
) {
    let same = {
        let mine: Vec<&T> = list
            .iter()
            .filter(|v| v.provenance.source == *source)
            .map(|v| &v.value)
            .collect();
        mine.len() == incoming.len() && mine.iter().zip(&incoming).all(|(a, b)| **a == b.value)
    };
    if same {
        return;
    }
    list.retain(|v| v.provenance.source != *source);
    list.extend(incoming);
}

/// A new child from a record that identifies one (see
/// [`FeedRecord::identifies_a_new_child`]); `None` when it does not.
pub fn new_child(
    record: &FeedRecord,
    id: ChildId,
    contactpoint_id: ContactPointId,
    at: OffsetDateTime,
) -> Option<Child> {
    let provenance = Provenance {
        source: record.source_record.source.clone(),
        recorded_at: at,
    };
    let sourced = |value| Sourced::new(value, provenance.clone());
    let name = person_name(record)?;
    let date_of_birth = record.date_of_birth?;
    let empty = Child {
        id,
        contactpoint_id,
        status: RecordStatus::Active,
        name: sourced(name),
        previous_names: Vec::new(),
        preferred_given_name: None,
        gender: Sourced::new(record.gender.unwrap_or(Gender::Unknown), provenance.clone()),
        date_of_birth: Sourced::new(date_of_birth, provenance.clone()),
        address: None,
        previous_addresses: Vec::new(),
        nhs_number: None,
        upn: None,
        source_records: Vec::new(),
        carers: Vec::new(),
        involvements: Vec::new(),
        sensitive_involvements: Vec::new(),
        caf: None,
        shield: None,
        extended_to_25: false,
    };
    Some(apply(&NoAuthority, &empty, record, at))
}

/// No source is authoritative for anything: recency decides.
pub struct NoAuthority;

impl Authority for NoAuthority {
    fn is_authoritative(&self, _: &contactpoint_domain::SourceId, _: RecordField) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use contactpoint_domain::{
        Address, Label, Name, Postcode, SourceId, SourceRecordId, SourceRecordRef,
    };
    use time::macros::{date, datetime};

    use super::*;

    struct SchoolOwnsUpnAndAddress;

    impl Authority for SchoolOwnsUpnAndAddress {
        fn is_authoritative(&self, source: &SourceId, field: RecordField) -> bool {
            source.as_str() == "school-census"
                && matches!(field, RecordField::Upn | RecordField::Address)
        }
    }

    fn address(postcode: &str) -> Address {
        Address::new(
            vec![Label::parse("1 High Street").unwrap()],
            None,
            Postcode::parse(postcode).unwrap(),
        )
        .unwrap()
    }

    fn record(source: &str, id: &str, postcode: &str) -> FeedRecord {
        let mut r = FeedRecord::new(SourceRecordRef {
            source: SourceId::parse(source).unwrap(),
            record: SourceRecordId::parse(id).unwrap(),
        });
        r.given_name = Some(Name::parse("Amelia").unwrap());
        r.family_name = Some(Name::parse("Okonkwo").unwrap());
        r.date_of_birth = Some(date!(2019 - 04 - 03));
        r.address = Some(address(postcode));
        r
    }

    const T1: OffsetDateTime = datetime!(2026-11-01 09:00 UTC);
    const T2: OffsetDateTime = datetime!(2026-11-20 09:00 UTC);

    fn child() -> Child {
        new_child(
            &record("school-census", "S1", "LS6 2AB"),
            ChildId::new(),
            ContactPointId::from_sequence(1),
            T1,
        )
        .unwrap()
    }

    #[test]
    fn the_same_record_again_changes_nothing() {
        let child = child();
        let again = apply(
            &SchoolOwnsUpnAndAddress,
            &child,
            &record("school-census", "S1", "LS6 2AB"),
            T2,
        );
        assert_eq!(again, child);
    }

    #[test]
    fn an_authoritative_source_keeps_its_value_against_a_newer_one() {
        let child = child();

        let later = apply(
            &SchoolOwnsUpnAndAddress,
            &child,
            &record("nhs-pds", "P1", "M1 1AE"),
            T2,
        );

        assert_eq!(later.postcode().unwrap().as_str(), "LS6 2AB");
        assert_eq!(later.source_records.len(), 2);
    }

    #[test]
    fn an_old_address_the_source_gives_is_kept_as_previous_once() {
        let mut record = record("nhs-pds", "P1", "LS6 2AB");
        record.previous_addresses = vec![address("LS7 1QD"), address("LS6 2AB")];
        let child = new_child(
            &record,
            ChildId::new(),
            ContactPointId::from_sequence(1),
            T1,
        )
        .unwrap();

        let again = apply(&NoAuthority, &child, &record, T2);

        let previous: Vec<_> = child
            .previous_addresses
            .iter()
            .map(|a| a.value.postcode().as_str())
            .collect();
        assert_eq!(previous, ["LS7 1QD"]);
        assert_eq!(again, child);
    }

    #[test]
    fn between_equals_the_newer_value_wins_and_a_move_keeps_the_old_address() {
        let child = child();

        let moved = apply(&NoAuthority, &child, &record("nhs-pds", "P1", "M1 1AE"), T2);

        assert_eq!(moved.postcode().unwrap().as_str(), "M1 1AE");
        assert_eq!(
            moved.previous_addresses[0].value.postcode().as_str(),
            "LS6 2AB"
        );
        assert_eq!(moved.address.unwrap().provenance.source.as_str(), "nhs-pds");
    }

    #[test]
    fn a_losing_name_stays_searchable_as_a_previous_name() {
        let child = child();
        let mut other = record("nhs-pds", "P1", "LS6 2AB");
        other.family_name = Some(Name::parse("Okonkwo-Smith").unwrap());

        let older = apply(
            &NoAuthority,
            &child,
            &other,
            datetime!(2026-10-01 09:00 UTC),
        );

        assert_eq!(older.name.value.family.as_str(), "Okonkwo");
        assert_eq!(
            older.previous_names[0].value.family.as_str(),
            "Okonkwo-Smith"
        );
    }

    #[test]
    fn delete_ends_the_link_and_deceased_marks_the_child() {
        let child = child();
        let mut deleted = record("school-census", "S1", "LS6 2AB");
        deleted.action = Action::Delete;
        let mut died = record("school-census", "S1", "LS6 2AB");
        died.action = Action::Deceased;

        assert!(
            apply(&NoAuthority, &child, &deleted, T2)
                .source_records
                .is_empty()
        );
        assert_eq!(
            apply(&NoAuthority, &child, &died, T2).status,
            RecordStatus::Deceased {
                notified_on: T2.date()
            }
        );
    }

    #[test]
    fn a_new_child_needs_both_names_and_a_date_of_birth() {
        let mut nameless = record("school-census", "S2", "LS6 2AB");
        nameless.given_name = None;
        assert!(
            new_child(
                &nameless,
                ChildId::new(),
                ContactPointId::from_sequence(2),
                T1
            )
            .is_none()
        );
        let made = child();
        assert_eq!(made.gender.value, Gender::Unknown);
        assert_eq!(made.source_records.len(), 1);
    }
}
