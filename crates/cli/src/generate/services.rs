//! The services around a child: settings, teams, the CAF indicator and
//! sensitive services with their consent.

use contactpoint_domain::{
    CafIndicator, Consent, ConsentGiver, Involvement, SensitiveInvolvement, SensitiveServiceKind,
    Service, ServiceKind, Upn,
};
use rand::RngExt;
use time::{Date, Duration};

use super::places::{SettingRef, TeamKind, mix, person};
use super::population::{Phase, Population, sept_first};

impl Population {
    fn pick_setting(&mut self, settings_len: usize, unit: u32, local: f64) -> usize {
        if self.rng.random_bool(local) {
            (mix(&[u64::from(unit), settings_len as u64]) % settings_len as u64) as usize
        } else {
            self.rng.random_range(0..settings_len)
        }
    }

    fn service(&mut self, authority: usize, at: SettingRef, start: Date) -> Service {
        let staff = self.authorities[authority].setting(at).staff.len();
        let pick = (staff > 0).then(|| self.rng.random_range(0..staff));
        let setting = self.authorities[authority].setting(at);
        let practitioner = pick.map(|i| setting.staff[i].clone());
        Service {
            organisation: setting.organisation.clone(),
            practitioner,
            start: Some(start.min(self.options.as_of)),
            end: None,
        }
    }

    fn team_service(&mut self, authority: usize, team: TeamKind, dob: Date) -> Service {
        let from = dob.max(self.options.as_of - Duration::days(3 * 365));
        let start = self.random_date(from, self.options.as_of);
        self.service(authority, SettingRef::Team(team), start)
    }

    #[allow(clippy::type_complexity)]
    pub(super) fn services(
        &mut self,
        authority: usize,
        unit: u32,
        dob: Date,
        age: i32,
    ) -> (
        Vec<Involvement>,
        Option<(Phase, usize)>,
        Option<usize>,
        bool,
        Option<Upn>,
    ) {
        let mut list: Vec<(ServiceKind, Service)> = Vec::with_capacity(4);
        let mut school = None;
        let mut upn = None;
        let mut known = false;
        let late = i32::from(u8::from(dob.month()) >= 9);
        if (4..=17).contains(&age) {
            let (phase, entry_age) = if age < 11 {
                (Phase::Primary, 4)
            } else {
                (Phase::Secondary, 11)
            };
            let a = &self.authorities[authority];
            let len = match phase {
                Phase::Primary => a.primaries.len(),
                Phase::Secondary => a.secondaries.len(),
            };
            let i = self.pick_setting(len, unit, 0.85);
            let at = match phase {
                Phase::Primary => SettingRef::Primary(i),
                Phase::Secondary => SettingRef::Secondary(i),
            };
            let start = sept_first(dob.year() + entry_age + late).max(dob);
            let service = self.service(authority, at, start);
            list.push((ServiceKind::EducationalSetting, service));
            school = Some((phase, i));
            // The UPN was issued when the child first started school.
            let a = &self.authorities[authority];
            let establishment = a.setting(at).establishment;
            let year = ((dob.year() + 4 + late) % 100) as u8;
            let serial = self
                .upn_serials
                .entry((authority, establishment, year))
                .or_insert(0);
            *serial += 1;
            upn = Upn::from_parts(a.la_code, establishment, year, *serial - 1);
            known |= self.rng.random_bool(0.25);
        }
        if (2..=4).contains(&age) && self.rng.random_bool(0.6) {
            let len = self.authorities[authority].early_years.len();
            let i = self.pick_setting(len, unit, 0.7);
            let start = self.random_date(dob + Duration::days(2 * 365), self.options.as_of);
            let service = self.service(authority, SettingRef::EarlyYears(i), start);
            list.push((ServiceKind::EarlyYears, service));
            known = true;
        }
        let mut gp = None;
        if self.rng.random_bool(0.97) {
            let len = self.authorities[authority].gps.len();
            let i = self.pick_setting(len, unit, 0.8);
            let start = dob + Duration::days(self.rng.random_range(14..60));
            let service = self.service(authority, SettingRef::Gp(i), start);
            list.push((ServiceKind::GpPractice, service));
            gp = Some(i);
        }
        if age < 5 {
            let start = dob + Duration::days(10);
            let service =
                self.service(authority, SettingRef::Team(TeamKind::HealthVisiting), start);
            list.push((ServiceKind::HealthVisitor, service));
        }
        if (5..=17).contains(&age) && self.rng.random_bool(0.12) {
            let s = self.team_service(authority, TeamKind::SchoolNursing, dob);
            list.push((ServiceKind::SchoolNurse, s));
        }
        let extra = [
            (ServiceKind::SocialCare, TeamKind::SocialCare, 0..=17, 0.03),
            (
                ServiceKind::YouthOffendingTeam,
                TeamKind::YouthOffending,
                10..=17,
                0.005,
            ),
            (
                ServiceKind::YouthSupport,
                TeamKind::YouthSupport,
                13..=17,
                0.05,
            ),
        ];
        for (kind, team, ages, p) in extra {
            if ages.contains(&age) && self.rng.random_bool(p) {
                let s = self.team_service(authority, team, dob);
                list.push((kind, s));
                known = true;
            }
        }
        // The lead professional is the most specialised service involved.
        let lead = self
            .rng
            .random_bool(0.02)
            .then(|| list.len().saturating_sub(1));
        let involvements = list
            .into_iter()
            .enumerate()
            .filter_map(|(i, (kind, service))| {
                Involvement::new(kind, service, Some(i) == lead).ok()
            })
            .collect();
        (involvements, school, gp, known, upn)
    }

    pub(super) fn caf(&mut self, involvements: &[Involvement], dob: Date) -> Option<CafIndicator> {
        if !self.rng.random_bool(0.03) {
            return None;
        }
        let holder = involvements.iter().rev().find_map(|i| {
            let service = i.service();
            Some((
                service.practitioner.clone()?,
                service.organisation.name.clone(),
            ))
        })?;
        let from = dob.max(self.options.as_of - Duration::days(2 * 365));
        Some(CafIndicator {
            holder: holder.0,
            organisation: holder.1,
            completed_on: self.random_date(from, self.options.as_of),
        })
    }

    pub(super) fn sensitive(&mut self, authority: usize, age: i32) -> Option<SensitiveInvolvement> {
        if !(13..=17).contains(&age) || !self.rng.random_bool(0.005) {
            return None;
        }
        let (kind, team) = match self.rng.random_range(0..3u8) {
            0 => (SensitiveServiceKind::SexualHealth, TeamKind::SexualHealth),
            1 => (SensitiveServiceKind::MentalHealth, TeamKind::MentalHealth),
            _ => (
                SensitiveServiceKind::SubstanceMisuse,
                TeamKind::SubstanceMisuse,
            ),
        };
        let from = self.options.as_of - Duration::days(365);
        let start = self.random_date(from, self.options.as_of);
        let service = self.service(authority, SettingRef::Team(team), start);
        let recorded_by = match &service.practitioner {
            Some(p) => p.name.clone(),
            None => person(&self.reference, &mut self.rng, 2008),
        };
        let consent = Consent {
            given_by: ConsentGiver::Child,
            recorded_by,
            recorded_at: self.recorded_at,
        };
        SensitiveInvolvement::new(kind, service, consent).ok()
    }
}
