// Package mcp is the Model Context Protocol server of airules (`airules mcp`), on the
// official Go SDK: it exposes one workspace's index to any assistant that speaks MCP.
// Tools answer which rules apply to a file (rules_for_file, the airules/context
// result), fetch one rule (get_rule), list rules (list_rules) and lint them
// (lint_rules); every rule is a resource airules://rule/<id>, with a template for
// ids not listed, and a change of the index sends notifications/resources/list_changed;
// the prompt rules-context renders a file's prompt; completion offers the workspace's
// files for its path and rule ids for the template. Every answer is computed by
// index.Snapshot.Context and shaped by server/wire, as the language server's and the
// CLI's are. A path outside the workspace and its rule sources, lexically or through
// a symbolic link, is refused before anything is read.
package mcp
