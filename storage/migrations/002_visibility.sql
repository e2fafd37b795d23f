-- 002: the rest of the directory (companies, teams, favourites) and the indexes
-- conv.list needs to answer from SQL with 100k conversations in an org.
CREATE TABLE companies (
  id         text PRIMARY KEY,
  org        text NOT NULL REFERENCES orgs (id),
  name       text NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX companies_org ON companies (org);

CREATE TABLE teams (
  id         text PRIMARY KEY,
  org        text NOT NULL REFERENCES orgs (id),
  name       text NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE team_members (
  team    text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id),
  PRIMARY KEY (team, user_id)
);

CREATE TABLE favorites (
  user_id text NOT NULL REFERENCES users (id),
  company text NOT NULL REFERENCES companies (id),
  PRIMARY KEY (user_id, company)
);
CREATE INDEX favorites_company ON favorites (company, user_id);

-- Every change of a user's favourites bumps its version, so a node's directory
-- cache applies concurrent changes in the order the database made them.
ALTER TABLE users ADD COLUMN favorites_version bigint NOT NULL DEFAULT 0;

-- conv.list: newest activity first per company (favourites) and per kind (support).
CREATE INDEX conversations_company_activity
  ON conversations (company, last_ts, id) WHERE company IS NOT NULL;
CREATE INDEX conversations_kind_activity ON conversations (org, kind, last_ts, id);
