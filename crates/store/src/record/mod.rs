//! How a child is laid out in rows, the same for both backends: key fields
//! as columns, each part's full value (with provenance) as JSON.

use contactpoint_domain::{
    Address, CafIndicator, Carer, Child, ChildId, ContactPointId, Gender, Involvement, Name,
    NhsNumber, PersonName, RecordStatus, SensitiveInvolvement, Shield, SourceId, SourceRecordId,
    SourceRecordRef, Sourced, Upn,
};
use std::collections::HashMap;

use contactpoint_linkage::{BirthDate, Names, Profile, fold, known_gender, surname_key};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::Result;

mod candidate;
mod changes;

pub(crate) use candidate::{
    CandidateRow, IndexedCandidateRow, LinkCandidateRow, candidates_for_each,
};

pub(crate) use changes::Changes;

/// The identity part of a child: everything but carers, services and source
/// records, which have their own tables.
#[derive(Serialize)]
struct IdentityRef<'a> {
    status: &'a RecordStatus,
    name: &'a Sourced<PersonName>,
    previous_names: &'a [Sourced<PersonName>],
    preferred_given_name: &'a Option<Sourced<Name>>,
    gender: &'a Sourced<Gender>,
    date_of_birth: &'a Sourced<Date>,
    address: &'a Option<Sourced<Address>>,
    previous_addresses: &'a [Sourced<Address>],
    nhs_number: &'a Option<Sourced<NhsNumber>>,
    upn: &'a Option<Sourced<Upn>>,
    caf: &'a Option<Sourced<CafIndicator>>,
    shield: &'a Option<Shield>,
    extended_to_25: bool,
}

#[derive(Deserialize)]
struct Identity {
    status: RecordStatus,
    name: Sourced<PersonName>,
    previous_names: Vec<Sourced<PersonName>>,
    preferred_given_name: Option<Sourced<Name>>,
    gender: Sourced<Gender>,
    date_of_birth: Sourced<Date>,
    address: Option<Sourced<Address>>,
    previous_addresses: Vec<Sourced<Address>>,
    nhs_number: Option<Sourced<NhsNumber>>,
    upn: Option<Sourced<Upn>>,
    caf: Option<Sourced<CafIndicator>>,
    shield: Option<Shield>,
    extended_to_25: bool,
}

pub(crate) struct ChildRow {
    pub id: Uuid,
    pub contactpoint_id: String,
    pub status: &'static str,
    pub shielded: bool,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: Date,
    pub gender: &'static str,
    pub postcode: Option<String>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub identity: String,
}

pub(crate) struct CarerRow {
    pub child_id: Uuid,
    pub position: i32,
    pub relationship: &'static str,
    pub detail: String,
}

pub(crate) struct InvolvementRow {
    pub child_id: Uuid,
    pub position: i32,
    pub kind: &'static str,
    pub sensitive: bool,
    pub organisation: String,
    pub detail: String,
}

pub(crate) struct SearchKeyRow {
    pub key: i64,
    pub child_id: Uuid,
}

/// What a search reads of a child: its linkage profile and the summary a
/// result shows.
#[derive(PartialEq)]
pub(crate) struct ProfileRow {
    pub child_id: Uuid,
    pub contactpoint_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub gender: &'static str,
    pub district: Option<String>,
    pub shielded: bool,
    pub profile: String,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
}

/// A change to how many children bear a name (`all` and `""` for the
/// count of every searchable child).
pub(crate) struct NameCountRow {
    pub kind: &'static str,
    pub name: String,
    pub delta: i64,
}

pub(crate) struct SourceRecordRow {
    pub source: String,
    pub record_id: String,
    pub child_id: Uuid,
}

impl SourceRecordRow {
    fn of(child_id: Uuid, record: &SourceRecordRef) -> Self {
        Self {
            source: record.source.to_string(),
            record_id: record.record.to_string(),
            child_id,
        }
    }
}

/// The rows for a batch of children, table by table.
#[derive(Default)]
pub(crate) struct Rows {
    pub children: Vec<ChildRow>,
    pub carers: Vec<CarerRow>,
    pub involvements: Vec<InvolvementRow>,
    pub source_records: Vec<SourceRecordRow>,
    pub search_keys: Vec<SearchKeyRow>,
    pub profiles: Vec<ProfileRow>,
    pub name_counts: Vec<NameCountRow>,
}

impl Rows {
    pub fn from_children(children: &[Child]) -> Result<Self> {
        Self::replacing(children, &[])
    }

    /// The rows of `children`, with the name counts of the records they
    /// replace (`previous`) taken away.
    pub fn replacing(children: &[Child], previous: &[&Child]) -> Result<Self> {
        let mut rows = Rows::default();
        let mut counts: HashMap<(&'static str, String), i64> = HashMap::new();
        for child in children {
            rows.push(child)?;
            count_names(child, 1, &mut counts);
        }
        for child in previous {
            count_names(child, -1, &mut counts);
        }
        rows.finish(counts);
        Ok(rows)
    }

    /// Puts the keys and name counts in the order the backends write them.
    fn finish(&mut self, counts: HashMap<(&'static str, String), i64>) {
        // Keys in index order: a batch then walks the key index once
        // instead of jumping about it for every child.
        self.search_keys
            .sort_unstable_by_key(|k| (k.key, k.child_id));
        self.name_counts = counts
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .map(|((kind, name), delta)| NameCountRow { kind, name, delta })
            .collect();
        // A stable order, so concurrent writers lock the counts in one order.
        self.name_counts
            .sort_unstable_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    }

    fn push(&mut self, child: &Child) -> Result<()> {
        self.push_child(child)?;
        self.push_carers(child)?;
        self.push_involvements(child)?;
        if searchable(child) {
            self.push_keys(child.id.as_uuid(), child_search_keys(child));
        }
        self.profiles.extend(profile_row(child));
        for record in &child.source_records {
            self.push_source_record(child.id.as_uuid(), record);
        }
        Ok(())
    }

    fn push_keys(&mut self, child_id: Uuid, keys: impl IntoIterator<Item = i64>) {
        self.search_keys
            .extend(keys.into_iter().map(|key| SearchKeyRow { key, child_id }));
    }

    fn push_source_record(&mut self, child_id: Uuid, record: &SourceRecordRef) {
        self.source_records
            .push(SourceRecordRow::of(child_id, record));
    }

    fn push_child(&mut self, child: &Child) -> Result<()> {
        let child_id = child.id.as_uuid();
        let identity = IdentityRef {
            status: &child.status,
            name: &child.name,
            previous_names: &child.previous_names,
            preferred_given_name: &child.preferred_given_name,
            gender: &child.gender,
            date_of_birth: &child.date_of_birth,
            address: &child.address,
            previous_addresses: &child.previous_addresses,
            nhs_number: &child.nhs_number,
            upn: &child.upn,
            caf: &child.caf,
            shield: &child.shield,
            extended_to_25: child.extended_to_25,
        };
        self.children.push(ChildRow {
            id: child_id,
            contactpoint_id: child.contactpoint_id.compact(),
            status: child.status.as_str(),
            shielded: child.is_shielded(),
            family_name: child.name.value.family.to_string(),
            given_name: child.name.value.given.to_string(),
            date_of_birth: child.date_of_birth.value,
            gender: child.gender.value.as_str(),
            postcode: child.postcode().map(ToString::to_string),
            nhs_number: child.nhs_number.as_ref().map(|n| n.value.digits()),
            upn: child.upn.as_ref().map(|u| u.value.to_string()),
            identity: serde_json::to_string(&identity)?,
        });
        Ok(())
    }

    fn push_carers(&mut self, child: &Child) -> Result<()> {
        let child_id = child.id.as_uuid();
        for (position, carer) in (0..).zip(&child.carers) {
            self.carers.push(CarerRow {
                child_id,
                position,
                relationship: carer.value.relationship.as_str(),
                detail: serde_json::to_string(carer)?,
            });
        }
        Ok(())
    }

    fn push_involvements(&mut self, child: &Child) -> Result<()> {
        let child_id = child.id.as_uuid();
        let ordinary = child.involvements.iter().map(|i| {
            let kind = i.value.kind().as_str();
            let organisation = i.value.service().organisation.name.to_string();
            serde_json::to_string(i).map(|detail| (kind, false, organisation, detail))
        });
        let sensitive = child.sensitive_involvements.iter().map(|i| {
            let kind = i.value.kind().as_str();
            let organisation = i.value.service().organisation.name.to_string();
            serde_json::to_string(i).map(|detail| (kind, true, organisation, detail))
        });
        for (position, involvement) in (0..).zip(ordinary.chain(sensitive)) {
            let (kind, sensitive, organisation, detail) = involvement?;
            self.involvements.push(InvolvementRow {
                child_id,
                position,
                kind,
                sensitive,
                organisation,
                detail,
            });
        }
        Ok(())
    }
}

/// The search profile of a child a search may find.
fn profile_row(child: &Child) -> Option<ProfileRow> {
    summary_row(child, child_profile(child).encode())
}

/// The profile row of a child a search may find, around a given profile.
fn summary_row(child: &Child, profile: String) -> Option<ProfileRow> {
    searchable(child).then(|| ProfileRow {
        child_id: child.id.as_uuid(),
        contactpoint_id: child.contactpoint_id.compact(),
        given_name: child.name.value.given.to_string(),
        family_name: child.name.value.family.to_string(),
        date_of_birth: child.date_of_birth.value,
        gender: child.gender.value.as_str(),
        district: child.postcode().map(|p| p.district().to_owned()),
        shielded: child.is_shielded(),
        profile,
        nhs_number: child.nhs_number.as_ref().map(|n| n.value.digits()),
        upn: child.upn.as_ref().map(|u| u.value.to_string()),
    })
}

/// Whether a search may find the child: archived and merged records are
/// never found.
pub fn searchable(child: &Child) -> bool {
    !child.is_archived() && child.merged_into().is_none()
}

/// Every name and postcode the child has had, current first.
#[derive(PartialEq)]
struct MatchFields<'a> {
    forenames: Vec<&'a str>,
    surnames: Vec<&'a str>,
    postcodes: Vec<&'a str>,
}

impl<'a> MatchFields<'a> {
    fn of(child: &'a Child) -> Self {
        let names =
            std::iter::once(&child.name.value).chain(child.previous_names.iter().map(|n| &n.value));
        let (mut forenames, mut surnames) = (Vec::new(), Vec::new());
        for name in names {
            forenames.push(name.given.as_str());
            surnames.push(name.family.as_str());
        }
        if let Some(preferred) = &child.preferred_given_name {
            forenames.push(preferred.value.as_str());
        }
        let postcodes = child
            .address
            .iter()
            .chain(&child.previous_addresses)
            .map(|a| a.value.postcode().as_str())
            .collect();
        Self {
            forenames,
            surnames,
            postcodes,
        }
    }
}

fn ymd(date: Date) -> (i32, u8, u8) {
    (date.year(), u8::from(date.month()), date.day())
}

/// The blocking keys of every name and address the child has had, so a
/// search by an old surname or an old postcode still finds them.
pub fn child_search_keys(child: &Child) -> Vec<i64> {
    let fields = MatchFields::of(child);
    let source = contactpoint_linkage::KeySource {
        forenames: fields.forenames,
        surnames: fields.surnames,
        date_of_birth: Some(ymd(child.date_of_birth.value)),
        birth_year: None,
        postcodes: fields.postcodes,
    };
    let mut keys: Vec<i64> = contactpoint_linkage::blocking_keys(&source)
        .iter()
        .map(|k| k.hash)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// What a search matches the child on.
pub fn child_profile(child: &Child) -> Profile {
    let fields = MatchFields::of(child);
    let (y, m, d) = ymd(child.date_of_birth.value);
    Profile {
        forenames: Names::forenames(fields.forenames),
        surnames: Names::surnames(fields.surnames),
        date_of_birth: Some(BirthDate::Full(y, m, d)),
        postcodes: fields.postcodes.into_iter().map(str::to_owned).collect(),
        gender: known_gender(child.gender.value.as_str()),
    }
}

/// Adds `delta` to the counts of the child's current names, if a search
/// may find the child.
fn count_names(child: &Child, delta: i64, counts: &mut HashMap<(&'static str, String), i64>) {
    if !searchable(child) {
        return;
    }
    for (kind, name) in [
        ("surname", surname_key(child.name.value.family.as_str())),
        ("forename", fold(child.name.value.given.as_str())),
        ("all", String::new()),
    ] {
        *counts.entry((kind, name)).or_default() += delta;
    }
}

/// The parts of one child read back from its tables.
pub(crate) struct ChildParts {
    pub id: Uuid,
    pub contactpoint_id: String,
    pub identity: String,
    pub carers: Vec<String>,
    pub involvements: Vec<(bool, String)>,
    pub source_records: Vec<(String, String)>,
}

impl ChildParts {
    pub fn assemble(self) -> Result<Child> {
        let identity: Identity = serde_json::from_str(&self.identity)?;
        let contactpoint_id = ContactPointId::parse(&self.contactpoint_id)
            .map_err(|e| crate::Error::Decode(e.to_string()))?;
        let carers = self
            .carers
            .iter()
            .map(|c| serde_json::from_str::<Sourced<Carer>>(c))
            .collect::<Result<Vec<_>, _>>()?;
        let mut involvements = Vec::new();
        let mut sensitive_involvements = Vec::new();
        for (sensitive, detail) in &self.involvements {
            if *sensitive {
                sensitive_involvements.push(serde_json::from_str::<Sourced<SensitiveInvolvement>>(
                    detail,
                )?);
            } else {
                involvements.push(serde_json::from_str::<Sourced<Involvement>>(detail)?);
            }
        }
        let source_records = self
            .source_records
            .into_iter()
            .map(|(source, record)| {
                Ok(SourceRecordRef {
                    source: SourceId::parse(&source)
                        .map_err(|e| crate::Error::Decode(e.to_string()))?,
                    record: SourceRecordId::parse(&record)
                        .map_err(|e| crate::Error::Decode(e.to_string()))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Child {
            id: ChildId::from_uuid(self.id),
            contactpoint_id,
            status: identity.status,
            name: identity.name,
            previous_names: identity.previous_names,
            preferred_given_name: identity.preferred_given_name,
            gender: identity.gender,
            date_of_birth: identity.date_of_birth,
            address: identity.address,
            previous_addresses: identity.previous_addresses,
            nhs_number: identity.nhs_number,
            upn: identity.upn,
            source_records,
            carers,
            involvements,
            sensitive_involvements,
            caf: identity.caf,
            shield: identity.shield,
            extended_to_25: identity.extended_to_25,
        })
    }
}

/// A child's own row as both backends read it back.
#[derive(sqlx::FromRow)]
pub(crate) struct HeadRow {
    pub id: Uuid,
    pub contactpoint_id: String,
    pub version: i32,
    pub identity: String,
    pub updated_at: time::OffsetDateTime,
    pub survives_merge: bool,
}

/// Many children read back at once, table by table, each table's rows in
/// the order of the child's parts; assembled in the order `ids` asks.
pub(crate) struct ManyChildren {
    pub heads: Vec<HeadRow>,
    pub carers: Vec<(Uuid, String)>,
    pub involvements: Vec<(Uuid, bool, String)>,
    pub source_records: Vec<(Uuid, String, String)>,
}

impl ManyChildren {
    pub fn assemble(self, ids: &[ChildId]) -> Result<Vec<crate::StoredChild>> {
        let mut parts: HashMap<Uuid, (HeadRow, ChildParts)> = self
            .heads
            .into_iter()
            .map(|mut head| {
                let parts = ChildParts {
                    id: head.id,
                    contactpoint_id: std::mem::take(&mut head.contactpoint_id),
                    identity: std::mem::take(&mut head.identity),
                    carers: Vec::new(),
                    involvements: Vec::new(),
                    source_records: Vec::new(),
                };
                (head.id, (head, parts))
            })
            .collect();
        for (id, detail) in self.carers {
            if let Some((_, p)) = parts.get_mut(&id) {
                p.carers.push(detail);
            }
        }
        for (id, sensitive, detail) in self.involvements {
            if let Some((_, p)) = parts.get_mut(&id) {
                p.involvements.push((sensitive, detail));
            }
        }
        for (id, source, record) in self.source_records {
            if let Some((_, p)) = parts.get_mut(&id) {
                p.source_records.push((source, record));
            }
        }
        ids.iter()
            .map(|id| {
                let (head, parts) = parts.remove(&id.as_uuid()).ok_or(crate::Error::NotFound)?;
                Ok(crate::StoredChild {
                    child: parts.assemble()?,
                    version: head.version,
                    updated_at: head.updated_at,
                    survives_merge: head.survives_merge,
                })
            })
            .collect()
    }
}

/// A source record's state as both backends read it: its index in the
/// request, the child it is linked to and its digest.
#[derive(sqlx::FromRow)]
pub(crate) struct SourceStateRow {
    pub idx: i64,
    pub child_id: Option<Uuid>,
    pub contactpoint_id: Option<String>,
    pub digest: Option<String>,
}

/// An open review as both backends read it with a source record's state.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenReviewRow {
    pub idx: i64,
    pub candidate_contactpoint_id: String,
    #[sqlx(flatten)]
    pub review: crate::review::ReviewRow,
}

pub(crate) fn source_states(
    count: usize,
    states: Vec<SourceStateRow>,
    reviews: Vec<OpenReviewRow>,
) -> Result<Vec<crate::SourceRecordState>> {
    let decode = |e: &dyn std::fmt::Display| crate::Error::Decode(e.to_string());
    let mut out = vec![crate::SourceRecordState::default(); count];
    let slot = |idx: i64| usize::try_from(idx).ok().filter(|i| *i < count);
    for row in states {
        let Some(i) = slot(row.idx) else { continue };
        if let (Some(child), Some(cp)) = (row.child_id, row.contactpoint_id) {
            let cp = ContactPointId::parse(&cp).map_err(|e| decode(&e))?;
            out[i].linked = Some((ChildId::from_uuid(child), cp));
        }
        out[i].digest = row.digest;
    }
    for row in reviews {
        let Some(i) = slot(row.idx) else { continue };
        let cp = ContactPointId::parse(&row.candidate_contactpoint_id).map_err(|e| decode(&e))?;
        out[i].open_review = Some((row.review.decode()?, cp));
    }
    Ok(out)
}

/// Fails unless every child to update is, by `current` (id to version as
/// stored now), still at the version it was read at.
pub(crate) fn versions_current(
    updates: &[crate::ChildUpdate],
    current: &HashMap<Uuid, i32>,
) -> Result<()> {
    for update in updates {
        match current.get(&update.child.id.as_uuid()) {
            None => return Err(crate::Error::NotFound),
            Some(v) if *v != update.previous.version => {
                return Err(crate::Error::Conflict("version".into()));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
