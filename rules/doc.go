// Package rules is the domain of airules: what a rule is, how its file is parsed
// (frontmatter with exact positions), which problems a rule file has, which rules apply
// to a file and why, in which order, how many fit a token budget, and how the chosen
// rules are rendered into a prompt.
//
// The package is pure: it owns no goroutines, touches no database and knows nothing of
// LSP. It reads byte slices (or an fs.FS), so the index, the server and the CLI can all
// share it and tests can drive it without a disk.
package rules
