// Package index keeps the rule files of one workspace indexed: it discovers rule
// sources, parses them with package rules, stores them durably in buntdb with an event
// log, watches them with fsnotify, reindexes incrementally, and publishes an immutable
// in-memory Snapshot that queries read without touching the disk.
//
// Sources: what rules.Classify says is a rule file (every format's locations, see
// rules.Locations), outside skipped folders, filtered by .ai-rules/config.yaml; the
// dependency rules the manifests declare (deps/, node_modules/, Go modules in the
// module cache; layer dependency); and Options.UserRulesDir (layer user). Dot-named
// files and folders inside rule roots (editor swap files) are not rules. Manifests,
// the configuration and @import targets are read through one function (readAux).
//
// The workspace walk skips .git, node_modules, _build, deps, vendor, .elixir_ls, dist,
// build, target and what the root .gitignore ignores, except inside rule roots. Of
// .gitignore it supports comments, negation, anchoring, directory-only patterns and
// doublestar wildcards; not nested .gitignore files, .git/info/exclude, the global
// excludes file or escaped trailing spaces. Folder symlinks are not followed (a rule
// root that is itself a link inside the workspace is); file symlinks are read only when
// they resolve inside the workspace (or the user folder). Files over 1 MiB are reported
// (AIR017) without being read.
//
// Storage: one buntdb file per workspace in the user cache directory, guarded by an
// flock; a second process falls back to an in-memory copy. Keys: meta:schema,
// rule:<layer>:<id> (metadata and the body's identity, not the body or the path;
// JSON-indexed on scope, language, priority and status), file:<path> (size, mtime,
// SHA-256, the rule's key and its token count: a warm start re-parses only what
// changed), header:<rel> (prompt header counts) and event:<seq> (created, updated,
// deleted, invalid; bounded by Options.MaxEvents). A server's rules hold no body in
// memory: each is read back from its file when first rendered. A damaged, cut-off or other-schema file is moved aside and rebuilt
// from the rule files. On systems without flock (Windows) the file is not guarded.
//
// A server's index (Options.Serve) counts tokens in the background (tokens.go) and keeps
// the team layer live, whether it watches the files itself or its client reports their
// changes (Reindex). Watching (Options.Watch) covers every folder under the rule roots,
// every workspace folder the walk keeps (nested AGENTS.md, CLAUDE.md, GEMINI.md,
// .cursor/rules; up to 20,000 folders), and the declared dependency folders; a manifest
// or configuration change rescans everything, and a changed @import target re-reads its
// importers.
//
// Team rules (Options.Team, team*.go): the keys of a NATS JetStream KV bucket are rule
// ids (TeamKey, TeamID), its values rule files; they form layer team, with Source.Path
// airules-team://<bucket>/<key>. With Serve a background session watches the bucket and
// applies each put and delete as one Change to OnChange; the values and the revision are
// cached under team:<bucket>:* in the same database, loaded into the first snapshot and
// resumed from on reconnect. SyncTeam does one session for a one-shot process.
package index
