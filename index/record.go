package index

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"unsafe"

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
}

// ruleRecord is the value of rule:<layer>:<id>: the rule without its body (which lives
// in body:<layer>:<id>), so the JSON indexes only ever read a few hundred bytes. The
// indexed fields come first and are always present (no omitempty): the indexes' scan
// for them stops within the first few dozen bytes (see leadingLess).
type ruleRecord struct {
	Status      string   `json:"status"`
	Priority    int      `json:"priority"`
	Scope       []string `json:"scope"`    // null when absent, never missing: a missing
	Language    []string `json:"language"` // field would make the index scan the record
	ID          string   `json:"id"`
	Layer       string   `json:"layer"`
	Format      string   `json:"format"`
	Path        string   `json:"path"`
	Dir         string   `json:"dir,omitempty"`
	Description string   `json:"description,omitempty"`
	Version     string   `json:"version,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Globs       []string `json:"globs,omitempty"`
	AlwaysApply bool     `json:"alwaysApply,omitempty"`
	Created     string   `json:"created,omitempty"`
	Updated     string   `json:"updated,omitempty"`
	BodyLine    int      `json:"bodyLine,omitempty"`
	Hash        string   `json:"hash"`
	Tokens      int      `json:"tokens,omitempty"` // 0: not counted yet
	// BodyCRC is the CRC-32C of the body key's value: damage inside a value keeps
	// buntdb's framing intact and would otherwise go unnoticed.
	BodyCRC  uint32          `json:"bodyCRC"`
	Problems []rules.Problem `json:"problems,omitempty"`
	// GlobRanges are where each glob (negations included, one per entry of Globs) is
	// written: a rule restored from the store has no ranges of its own (package rules
	// keeps them unexported), and AIR007 needs them.
	GlobRanges []rules.Range `json:"globRanges,omitempty"`
}

func ruleKey(layer rules.Layer, id string) string { return preRule + layer.String() + ":" + id }

// bodyKeyOf maps rule:<layer>:<id> to body:<layer>:<id>.
func bodyKeyOf(ruleKey string) string { return preBody + strings.TrimPrefix(ruleKey, preRule) }

func eventKey(seq uint64) string {
	s := strconv.FormatUint(seq, 10)
	return preEvent + strings.Repeat("0", 20-len(s)) + s
}

// encodeRule writes the rule record by hand (field order and omissions as ruleRecord's
// tags): encoding/json's reflection was a tenth of a cold index's allocations.
// TestRecordCodecs checks the two agree.
func encodeRule(r *rules.Rule, tokens int) string {
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
	b = appendField(b, "path", r.Path)
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
	if tokens != 0 {
		b = append(b, `,"tokens":`...)
		b = strconv.AppendInt(b, int64(tokens), 10)
	}
	b = append(b, `,"bodyCRC":`...)
	b = strconv.AppendUint(b, uint64(crc32.Checksum(stringBytes(r.Body), crcTable)), 10)
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
	return string(append(b, '}'))
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

// stringBytes views s as bytes without copying, for read-only use (checksums): a copy
// of every body would be 15 MB of garbage per 10,000 rules.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func encodeFile(f fileRecord) string {
	b, _ := json.Marshal(&f)
	return string(b)
}

// restoreRule rebuilds a rule from its record without parsing its file. Restore gives
// it back its glob ranges and its token count (or a fresh cell to count it lazily).
func restoreRule(src rules.Source, rec *ruleRecord, body string) *rules.Rule {
	r := &rules.Rule{Source: src}
	tokens := rec.Tokens
	if tokens <= 0 {
		tokens = -1
	}
	r.Restore(rec.GlobRanges, tokens)
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
	r.Body = body
	r.BodyLine = rec.BodyLine
	r.Hash = rec.Hash
	r.Problems = rec.Problems
	return r
}

// storedState is everything the store knows about the files, read at open.
type storedState struct {
	files    map[string]fileRecord // by absolute path
	ruleKeys map[string]bool       // every rule:* key
	// records and bodies hold the rule:* and body:* values, read in two ordered scans:
	// cheaper than two b-tree lookups per rule, and the strings are buntdb's own.
	records   map[string]string
	bodies    map[string]string
	firstSeq  uint64 // oldest event, 0 if none
	lastSeq   uint64 // newest event, 0 if none
	eventKeys int
}

// loadState reads the file records and the event log bounds. A record that does not
// decode means the file is damaged.
func (s *store) loadState() (*storedState, error) {
	st := &storedState{files: map[string]fileRecord{}, ruleKeys: map[string]bool{},
		records: map[string]string{}, bodies: map[string]string{}}
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
		if err := tx.AscendKeys(preBody+"*", func(k, v string) bool {
			st.bodies[k] = v
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
		if err := tx.AscendKeys(preEvent+"*", func(k, _ string) bool {
			if st.eventKeys == 0 {
				st.firstSeq = seqOf(k)
			}
			st.eventKeys++
			st.lastSeq = seqOf(k)
			return bad == nil
		}); err != nil {
			return err
		}
		return bad
	})
	return st, err
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// loadStatus says what loadRule found.
type loadStatus int

const (
	loadOK      loadStatus = iota
	loadMissing            // a key is missing: the file is parsed again
	loadDamaged            // a value does not decode or check: the database is damaged
)

// loadRule reads one rule record and its body.
func loadRule(tx *buntdb.Tx, key string) (*ruleRecord, string, loadStatus) {
	v, err := tx.Get(key)
	if err != nil {
		return nil, "", loadMissing
	}
	body, err := tx.Get(bodyKeyOf(key))
	if err != nil {
		return nil, "", loadMissing
	}
	return checkRule(v, body)
}

// storedRule is loadRule from the values read at open.
func (st *storedState) rule(key string) (*ruleRecord, string, loadStatus) {
	v, ok := st.records[key]
	if !ok {
		return nil, "", loadMissing
	}
	body, ok := st.bodies[bodyKeyOf(key)]
	if !ok {
		return nil, "", loadMissing
	}
	return checkRule(v, body)
}

func checkRule(v, body string) (*ruleRecord, string, loadStatus) {
	rec, err := decodeRuleRecord(v)
	if err != nil {
		return nil, "", loadDamaged
	}
	if crc32.Checksum(stringBytes(body), crcTable) != rec.BodyCRC {
		return nil, "", loadDamaged
	}
	return rec, body, loadOK
}
