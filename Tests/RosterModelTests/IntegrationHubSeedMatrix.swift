// A transcription of the task tables of shared/seeds/003_c696161a326d4526.txt, kept here so that
// the catalog is tested against the seed, not against itself. Rows the seed cuts short carry the
// catalog's bracketed reading; allowed-role cells are split into role names ("none" = no role).

import Testing

/// One task row of the seed: its section, its task text and the roles the seed allows.
struct SeedTaskRow: Sendable, CustomTestStringConvertible {
  let section: String
  let title: String
  let allowed: [String]

  var testDescription: String { title }
}

/// The seed's four roles.
let integrationHubSeedRoles = ["administrator", "manager", "user", "read-only"]

/// Every task row of every table of the seed, in the seed's order.
let integrationHubSeedMatrix: [SeedTaskRow] = [
  SeedTaskRow(
    section: "Company permissions", title: "View company profile",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Company permissions", title: "Update company profile name",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Company permissions", title: "Update company profile contact information",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company permissions", title: "Add & manage banner messages",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Company permissions", title: "Delete company profile",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Company user permissions", title: "View company users",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Search company users",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Create company user with an [administrator role]",
    allowed: ["patchworks support"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Create a company user with a [manager role]",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Create a company user with a [user or read-only role]",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Update details for an existing company user (all roles)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Elevate an existing [read-only user to the user role]",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Elevate an existing [read-only user or user to the manager role]",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Company user permissions",
    title: "Elevate an existing [read-only user, user or manager to the administrator role]",
    allowed: ["patchworks support"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Reduce an existing [manager or user to a lower role]",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Reduce another [administrator to a lower role]",
    allowed: ["patchworks support"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Trigger password reset password for a company user",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Update own user details",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Elevate or reduce own role",
    allowed: []),
  SeedTaskRow(
    section: "Company user permissions", title: "Enable/disable own MFA",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Delete company user",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company user permissions", title: "Delete own user profile",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Company insights", title: "View company insights",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Adding & linking a new company to your multi-company profile",
    allowed: ["patchworks support", "administrator"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Switch in & out of linked companies",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Update subscriptions for linked companies",
    allowed: ["patchworks support", "administrator"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "View linked companies for your multi-company profile",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Un-linking a company from your multi-company profile",
    allowed: ["patchworks support"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "View team members for own company",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Create new team member to manage a linked company",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Assign user roles for an existing team member",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "View team members who manage a linked company",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Grant & revoke access for team members to manage a linked company",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Trigger a password reset for an existing team member",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Removing a team member account",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "View 'native' users for a linked company",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Create a new 'native' user for a linked company",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Assign user roles for an existing 'native' company user",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Trigger a password reset for an existing 'native' company user",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Multi-company profiles", title: "Remove a 'native' linked company user from their company profile",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Install marketplace blueprints",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Build blueprints",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Browse & view marketplace connectors",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Install marketplace connectors",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Update marketplace connectors",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Browse & view marketplace process flows",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Install marketplace process flows",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Browse marketplace scripts",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Preview script from scripts list",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Marketplace permissions", title: "Install marketplace scripts",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Private marketplace permissions", title: "View private marketplace",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Private marketplace permissions",
    title: "Install resources (blueprints, connectors, process flows, scripts, cross-reference lookups)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Private marketplace permissions",
    title: "Upload resources (blueprints, connectors, process flows, scripts, cross-reference lookups)",
    allowed: ["administrator"]),
  SeedTaskRow(
    section: "Connector permissions", title: "Browse installed connectors",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Connector permissions", title: "View installed connector settings",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Connector permissions", title: "Update installed connector settings",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Connector permissions", title: "Delete installed connectors",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Connector instance permissions", title: "View connector instances",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Connector instance permissions", title: "View connector instance settings",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Connector instance permissions", title: "Update connector instance settings",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Connector instance permissions", title: "Delete connector instances",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "View process flow list",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "View canvas content for existing process flows",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Create process flows (add/update/remove shapes)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Update process flows (add/update/remove shapes)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Create cache (cache shape settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Create data pool (de-dupe shape settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Delete process flows",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Run process flow manually",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Enable & deploy process flows (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Apply/remove labels (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Create labels (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Apply/remove email failure groups (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Add flow variables (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Update flow variables (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Remove flow variables (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Process flow permissions", title: "Duplicate process flow (process flow settings)",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "View run logs list",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "View run logs",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "View run logs (classic)",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "View run log details",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "Download run logs",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "View run log payloads",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "Download run log payloads",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Run logs permissions", title: "Stop process flow",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "General settings permissions", title: "Manage own account settings",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "General settings permissions", title: "View notification groups",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "General settings permissions", title: "Add & manage notification groups",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "General settings permissions", title: "View audit logs",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "General settings permissions", title: "Search audit logs",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "General settings permissions", title: "View labels",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "General settings permissions", title: "Add & manage labels",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "General settings permissions", title: "View data pools",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "General settings permissions", title: "Add & manage data pools",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Custom script permissions", title: "View custom scripts list",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Custom script permissions", title: "View custom script details",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Custom script permissions", title: "Create custom scripts",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Custom script permissions", title: "Update custom scripts",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Custom script permissions", title: "Delete custom scripts",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cross-reference lookup permissions", title: "View installed cross-reference lookups",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cross-reference lookup permissions", title: "Search installed cross-reference lookups",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cross-reference lookup permissions", title: "View cross-reference lookup values",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cross-reference lookup permissions", title: "Add & manage cross-reference values",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cross-reference lookup permissions", title: "Delete cross-reference lookups",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cache permissions", title: "View existing cache lists",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cache permissions", title: "Search existing caches",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cache permissions", title: "View existing cache details",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cache permissions", title: "Update existing cache details",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cache permissions", title: "View existing cache contents",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "Cache permissions", title: "Clear existing cache contents",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "Cache permissions", title: "Delete caches",
    allowed: ["administrator", "manager"]),
  SeedTaskRow(
    section: "API", title: "Obtain API token",
    allowed: ["administrator", "manager", "user", "read-only"]),
  SeedTaskRow(
    section: "API", title: "Initialise process flow with payload",
    allowed: ["administrator", "manager", "user", "read-only"]),
]
