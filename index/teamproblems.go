package index

import "github.com/airules/airules/rules"

// Problem codes of the team source (rules.Codes has them, in the AIR9xx range).
const (
	CodeTeamStatus   = rules.CodeTeamStatus
	CodeTeamSecret   = rules.CodeTeamSecret
	CodeTeamConfig   = rules.CodeTeamConfig
	CodeTeamEnforced = rules.CodeTeamEnforced
)
