package index

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/tidwall/buntdb"
)

// fileRecord is the value of file:<path>: the stamp that decides at warm start whether
// a rule file must be read again, and the key of its rule.
type fileRecord struct {
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtime"` // unix nanoseconds
	Hash  string `json:"hash"`  // hex SHA-256 of the content
	Rule  string `json:"rule"`  // rule:<layer>:<id> key
	// Seen is when the stamp was taken. A file whose mtime is that close to Seen may be
	// written again within the same clock tick without its stamp changing (git's "racy
	// clean" problem); such a file is re-hashed at warm start instead of trusted.
	Seen int64 `json:"seen"`
	// Tokens is the token count of the rule's section, counted from the content of Hash;
	// 0 until counted. It lives in the stamp, not the rule record, which the JSON indexes
	// read: storing a count never touches an index, and a new content drops it.
	Tokens int `json:"tokens,omitempty"`
}

// tokensFor is the stored count if it was counted from content of hash, else 0.
func (f *fileRecord) tokensFor(hash string) int {
	if f.Hash != hash {
		return 0
	}
	return f.Tokens
}

// ruleRecord is the value of rule:<layer>:<id>: the rule without its body or its path.
// The rule file is the truth for the body, which a restored rule reads back on first use
// (rules.Rule.Text); the store keeps the body's identity instead, so that duplicates
// are found without reading. The path is the key of the file record that names this
// one, the only way a record is read. The indexed fields come first and are always
// present (no omitempty): the indexes' scan for them stops within the first few dozen
// bytes (see leadingLess).
type ruleRecord struct {
	Status      string          `json:"status"`
	Priority    int             `json:"priority"`
	Scope       []string        `json:"scope"`    // null when absent, never missing: a missing
	Language    []string        `json:"language"` // field would make the index scan the record
	ID          string          `json:"id"`
	Layer       string          `json:"layer"`
	Format      string          `json:"format"`
	Dir         string          `json:"dir,omitempty"`
	Description string          `json:"description,omitempty"`
	Version     string          `json:"version,omitempty"`
	Tags        []string        `json:"tags,omitempty"`
	Globs       []string        `json:"globs,omitempty"`
	AlwaysApply bool            `json:"alwaysApply,omitempty"`
	Created     string          `json:"created,omitempty"`
	Updated     string          `json:"updated,omitempty"`
	BodyLine    int             `json:"bodyLine,omitempty"`
	Hash        string          `json:"hash"`
	BodySum     string          `json:"bodySum"` // rules.Rule.BodySum
	Problems    []rules.Problem `json:"problems,omitempty"`
	// GlobRanges are where each glob (negations included, one per entry of Globs) is
	// written: a rule restored from the store has no ranges of its own (package rules
	// keeps them unexported), and AIR007 needs them.
	GlobRanges []rules.Range `json:"globRanges,omitempty"`
	CRC        uint32        `json:"crc"` // see seal
}

func ruleKey(layer rules.Layer, id string) string { return preRule + layer.String() + ":" + id }

func eventKey(seq uint64) string {
	s := strconv.FormatUint(seq, 10)
	return preEvent + strings.Repeat("0", 20-len(s)) + s
}

// encodeRule writes the rule record by hand (field order and omissions as ruleRecord's
// tags): encoding/json's reflection was a tenth of a cold index's allocations.
// TestRecordCodecs checks the two agree.
func encodeRule(r *rules.Rule) string {
	globRanges := r.GlobRanges()
	b := make([]byte, 0, 512+64*len(r.Problems))
	b = append(b, `{"status":`...)
	b = appendJSONString(b, string(r.Status))
	b = append(b, `,"priority":`...)
	b = strconv.AppendInt(b, int64(r.Priority), 10)
	b = append(b, `,"scope":`...)
	b = appendStrings(b, r.Scope)
	b = append(b, `,"language":`...)
	b = appendStrings(b, r.Language)
	b = appendField(b, "id", r.ID)
	b = appendField(b, "layer", r.Layer.String())
	b = appendField(b, "format", string(r.Format))
	b = appendOptional(b, "dir", r.Dir)
	b = appendOptional(b, "description", r.Description)
	b = appendOptional(b, "version", r.Version)
	if len(r.Tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendStrings(b, r.Tags)
	}
	if len(r.Globs) > 0 {
		b = append(b, `,"globs":`...)
		b = appendStrings(b, r.Globs)
	}
	if r.AlwaysApply {
		b = append(b, `,"alwaysApply":true`...)
	}
	b = appendOptional(b, "created", r.Created)
	b = appendOptional(b, "updated", r.Updated)
	if r.BodyLine != 0 {
		b = append(b, `,"bodyLine":`...)
		b = strconv.AppendInt(b, int64(r.BodyLine), 10)
	}
	b = appendField(b, "hash", r.Hash)
	b = appendField(b, "bodySum", r.BodySum())
	if len(r.Problems) > 0 {
		// Rare and nested (fixes, edits): encoding/json is fine here.
		p, _ := json.Marshal(r.Problems)
		b = append(b, `,"problems":`...)
		b = append(b, p...)
	}
	if len(globRanges) > 0 {
		b = append(b, `,"globRanges":[`...)
		for i, rg := range globRanges {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPosition(append(b, `{"start":`...), rg.Start)
			b = appendPosition(append(b, `,"end":`...), rg.End)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return seal(b)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendOptional(b []byte, name, val string) []byte {
	if val == "" {
		return b
	}
	return appendField(b, name, val)
}

func appendPosition(b []byte, p rules.Position) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(p.Line), 10)
	b = append(b, `,"column":`...)
	b = strconv.AppendInt(b, int64(p.Column), 10)
	return append(b, '}')
}

// encodeFile writes the file record by hand, as encoding/json would (TestRecordCodecs).
func encodeFile(f fileRecord) string {
	var e fileEncoder
	return e.encode(f)
}

// fileEncoder encodes file records in one buffer, reused from one to the next: a warmer
// rewrites one record per rule it counts, thousands on a first index, and each should
// leave behind the record's string alone (the buffer escapes: seal's checksum takes it).
type fileEncoder struct{ buf []byte }

func (e *fileEncoder) encode(f fileRecord) string {
	if cap(e.buf) < 512 {
		e.buf = make([]byte, 0, 512)
	}
	b := append(e.buf[:0], `{"size":`...)
	b = strconv.AppendInt(b, f.Size, 10)
	b = append(b, `,"mtime":`...)
	b = strconv.AppendInt(b, f.Mtime, 10)
	b = append(b, `,"hash":`...)
	b = appendJSONString(b, f.Hash)
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, f.Rule)
	b = append(b, `,"seen":`...)
	b = strconv.AppendInt(b, f.Seen, 10)
	if f.Tokens != 0 {
		b = append(b, `,"tokens":`...)
		b = strconv.AppendInt(b, int64(f.Tokens), 10)
	}
	e.buf = b
	return seal(b)
}

// restoreRule rebuilds a rule from its record without parsing its file. Restore gives
// it back its glob ranges and its token count (or a fresh cell to count it lazily), and
// RestoreBody the loader of its body.
func restoreRule(src rules.Source, rec *ruleRecord, tokens int, body func(*rules.Rule) string) *rules.Rule {
	r := &rules.Rule{Source: src}
	if tokens <= 0 {
		tokens = -1
	}
	r.Restore(rec.GlobRanges, tokens)
	r.RestoreBody(body, rec.BodySum)
	r.Description = rec.Description
	r.Version = rec.Version
	r.Priority = rec.Priority
	r.Scope = rec.Scope
	r.Language = rec.Language
	r.Tags = rec.Tags
	r.Globs = rec.Globs
	r.AlwaysApply = rec.AlwaysApply
	r.Created = rec.Created
	r.Updated = rec.Updated
	r.Status = rules.Status(rec.Status)
	r.BodyLine = rec.BodyLine
	r.Hash = rec.Hash
	r.Problems = rec.Problems
	return r
}

// storedState is everything the store knows about the files, read at open.
type storedState struct {
	files    map[string]fileRecord // by absolute path
	ruleKeys map[string]bool       // every rule:* key
	// records holds the rule:* values, read in one ordered scan: cheaper than a b-tree
	// lookup per rule, and the strings are buntdb's own.
	records   map[string]string
	headers   map[string]string // header:<rel> values, by rel
	eventRuns []eventRun        // the event log's batch records, oldest first
}

// loadState reads the file records and the event log bounds. A record that does not
// decode means the file is damaged.
func (s *store) loadState() (*storedState, error) {
	var n int
	_ = s.db.View(func(tx *buntdb.Tx) error { n, _ = tx.Len(); return nil })
	n /= 2 // a file and a rule per rule file, about: sized once, not regrown
	st := &storedState{files: make(map[string]fileRecord, n), ruleKeys: make(map[string]bool, n),
		records: make(map[string]string, n), headers: map[string]string{}}
	err := s.db.View(func(tx *buntdb.Tx) error {
		var derr error
		err := tx.AscendKeys(preFile+"*", func(k, v string) bool {
			f, err := decodeFileRecord(v)
			if err != nil {
				derr = fmt.Errorf("%w: %s: bad record", errCorrupt, k)
				return false
			}
			st.files[k[len(preFile):]] = f
			return true
		})
		if err != nil {
			return err
		}
		if derr != nil {
			return derr
		}
		if err := tx.AscendKeys(preRule+"*", func(k, v string) bool {
			st.ruleKeys[k] = true
			st.records[k] = v
			return true
		}); err != nil {
			return err
		}
		if err := tx.AscendKeys(preHeader+"*", func(k, v string) bool {
			st.headers[k[len(preHeader):]] = v
			return true
		}); err != nil {
			return err
		}
		var bad error
		seqOf := func(k string) uint64 {
			n, err := strconv.ParseUint(k[len(preEvent):], 10, 64)
			if err != nil {
				bad = fmt.Errorf("%w: %s: bad event key", errCorrupt, k)
			}
			return n
		}
		if err := tx.AscendKeys(preEvent+"*", func(k, v string) bool {
			n, err := eventCountOf(v)
			if err != nil {
				bad = fmt.Errorf("%w: %s: bad event batch", errCorrupt, k)
				return false
			}
			st.eventRuns = append(st.eventRuns, eventRun{first: seqOf(k), n: n})
			return bad == nil
		}); err != nil {
			return err
		}
		return bad
	})
	return st, err
}

// loadStatus says what loadRule found.
type loadStatus int

const (
	loadOK      loadStatus = iota
	loadMissing            // the record is missing: the file is parsed again
	loadDamaged            // the record does not decode: the database is damaged
)

// loadRule reads one rule record.
func loadRule(tx *buntdb.Tx, key string) (*ruleRecord, loadStatus) {
	v, err := tx.Get(key)
	if err != nil {
		return nil, loadMissing
	}
	return checkRule(v)
}

// rule is loadRule from the values read at open.
func (st *storedState) rule(key string) (*ruleRecord, loadStatus) {
	v, ok := st.records[key]
	if !ok {
		return nil, loadMissing
	}
	return checkRule(v)
}

func checkRule(v string) (*ruleRecord, loadStatus) {
	rec, err := decodeRuleRecord(v)
	if err != nil {
		return nil, loadDamaged
	}
	return rec, loadOK
}
