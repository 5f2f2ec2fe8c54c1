// Package index keeps the rule files of one workspace indexed: it discovers rule
// sources, parses them with package rules, stores them durably in buntdb with an event
// log, watches them with fsnotify, reindexes incrementally, and publishes an immutable
// in-memory Snapshot that queries read without touching the disk.
package index
