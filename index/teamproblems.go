package index

import "github.com/airules/airules/rules"

// Problem codes of the team source. They are above the rule parser's AIR0xx so the two
// ranges never collide.
const (
	// CodeTeamStatus: the team source is offline, unauthorised, missing its bucket or
	// otherwise not live; reported on airules-team://<bucket>.
	CodeTeamStatus rules.Code = "AIR100"
	// CodeTeamSecret: a credential written inline in the project's configuration.
	CodeTeamSecret rules.Code = "AIR101"
	// CodeTeamConfig: a team configuration value that is not understood.
	CodeTeamConfig rules.Code = "AIR102"
	// CodeTeamEnforced: a project or user rule, or the configuration, tries to shadow
	// or disable an enforced team rule.
	CodeTeamEnforced rules.Code = "AIR103"
)
