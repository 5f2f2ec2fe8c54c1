// Package rules is the domain of airules: what a rule is, how its file is parsed
// (frontmatter with exact positions), which problems a rule file has, which rules apply
// to a file and why, in which order, how many fit a token budget, and how the chosen
// rules are rendered into a prompt. It knows every rule format by its own tool's
// semantics: which paths are rule files (Classify), each format's keys (FormatKeys), which
// drive both the validator's unknown-key check and the JSON Schema (Schema), its
// reader, @imports, dependency manifests and the workspace configuration file.
//
// The package is pure: it owns no goroutines, touches no database and knows nothing of
// LSP. It reads byte slices (or an fs.FS), so the index, the server and the CLI can all
// share it and tests can drive it without a disk.
package rules
