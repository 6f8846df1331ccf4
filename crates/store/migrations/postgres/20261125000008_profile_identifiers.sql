-- A child's NHS number and UPN beside its search profile: linkage scores an
-- agreeing or conflicting identifier without reading the whole record.
ALTER TABLE search_profiles ADD COLUMN nhs_number TEXT;
ALTER TABLE search_profiles ADD COLUMN upn TEXT;
UPDATE search_profiles SET
    nhs_number = (SELECT c.nhs_number FROM children c WHERE c.id = search_profiles.child_id),
    upn = (SELECT c.upn FROM children c WHERE c.id = search_profiles.child_id);
