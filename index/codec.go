package index

import (
	"encoding/json"
	"errors"
	"hash/crc32"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/airules/airules/rules"
	"github.com/tidwall/gjson"
)

// Records are decoded with gjson rather than encoding/json: a warm start decodes a rule
// and a file record per rule file, and encoding/json's reflection made that a large
// share of it (BenchmarkWarmStart). Strings share the database's memory instead of
// copying.

var errBadRecord = errors.New("bad record")

// A record ends in "crc":N, the CRC-32C of the bytes before that field: damage inside a
// value keeps buntdb's framing intact and would otherwise be read as a record, and
// checking a checksum costs a fraction of validating the JSON (a warm start reads two
// records per rule file).
const crcField = `,"crc":`

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// seal closes the JSON object b (written without its closing brace) with its checksum.
func seal(b []byte) string {
	sum := crc32.Checksum(b, crcTable)
	b = append(b, crcField...)
	b = strconv.AppendUint(b, uint64(sum), 10)
	return string(append(b, '}'))
}

// sealed reports whether v is a record seal wrote, unchanged since.
func sealed(v string) bool {
	i := strings.LastIndex(v, crcField)
	if i < 0 || len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return false
	}
	n, err := strconv.ParseUint(v[i+len(crcField):len(v)-1], 10, 32)
	return err == nil && uint32(n) == crc32.Checksum(unsafe.Slice(unsafe.StringData(v), i), crcTable)
}

func decodeFileRecord(v string) (fileRecord, error) {
	var f fileRecord
	if !sealed(v) {
		return f, errBadRecord
	}
	gjson.Parse(v).ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "size":
			f.Size = val.Int()
		case "mtime":
			f.Mtime = val.Int()
		case "hash":
			f.Hash = val.Str
		case "rule":
			f.Rule = val.Str
		case "seen":
			f.Seen = val.Int()
		case "tokens":
			f.Tokens = int(val.Int())
		}
		return true
	})
	if f.Rule == "" || f.Hash == "" {
		return f, errBadRecord
	}
	return f, nil
}

func decodeRuleRecord(v string) (*ruleRecord, error) {
	if !sealed(v) {
		return nil, errBadRecord
	}
	rec := new(ruleRecord)
	var err error
	gjson.Parse(v).ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "status":
			rec.Status = val.Str
		case "priority":
			rec.Priority = int(val.Int())
		case "scope":
			rec.Scope = strs(val)
		case "language":
			rec.Language = strs(val)
		case "id":
			rec.ID = val.Str
		case "layer":
			rec.Layer = val.Str
		case "format":
			rec.Format = val.Str
		case "dir":
			rec.Dir = val.Str
		case "description":
			rec.Description = val.Str
		case "version":
			rec.Version = val.Str
		case "tags":
			rec.Tags = strs(val)
		case "globs":
			rec.Globs = strs(val)
		case "alwaysApply":
			rec.AlwaysApply = val.Bool()
		case "created":
			rec.Created = val.Str
		case "updated":
			rec.Updated = val.Str
		case "bodyLine":
			rec.BodyLine = int(val.Int())
		case "hash":
			rec.Hash = val.Str
		case "bodySum":
			rec.BodySum = val.Str
		case "crc":
			rec.CRC = uint32(val.Uint())
		case "problems":
			// Rare and nested (fixes, edits): encoding/json is fine here.
			err = json.Unmarshal([]byte(val.Raw), &rec.Problems)
		case "globRanges":
			val.ForEach(func(_, r gjson.Result) bool {
				rec.GlobRanges = append(rec.GlobRanges, rangeOf(r))
				return true
			})
		}
		return err == nil
	})
	if err != nil || rec.Hash == "" || rec.ID == "" {
		return nil, errBadRecord
	}
	return rec, nil
}

func strs(v gjson.Result) []string {
	if !v.IsArray() {
		return nil
	}
	var out []string
	v.ForEach(func(_, s gjson.Result) bool {
		out = append(out, s.Str)
		return true
	})
	return out
}

func rangeOf(r gjson.Result) rules.Range {
	var rg rules.Range
	r.ForEach(func(k, p gjson.Result) bool {
		var pos rules.Position
		p.ForEach(func(k, n gjson.Result) bool {
			if k.Str == "line" {
				pos.Line = int(n.Int())
			} else if k.Str == "column" {
				pos.Column = int(n.Int())
			}
			return true
		})
		if k.Str == "start" {
			rg.Start = pos
		} else if k.Str == "end" {
			rg.End = pos
		}
		return true
	})
	return rg
}

// appendEvent encodes an event as JSON by hand: the first index logs one event per rule
// (10,000 at a cold start), and encoding/json's reflection showed in the profile.
func appendEvent(b []byte, e *Event) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = appendField(b, "type", e.Type)
	b = appendField(b, "rule_id", e.RuleID)
	b = appendField(b, "layer", e.Layer)
	b = appendField(b, "path", e.Path)
	if e.Version != "" {
		b = appendField(b, "version", e.Version)
	}
	if e.Hash != "" {
		b = appendField(b, "hash", e.Hash)
	}
	b = append(b, `,"time":"`...)
	b = e.Time.AppendFormat(b, "2006-01-02T15:04:05.999999999Z07:00")
	b = append(b, '"')
	b = appendField(b, "causation_id", e.Causation)
	b = appendField(b, "correlation_id", e.Correlation)
	return append(b, '}')
}

func appendField(b []byte, name, val string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, val)
}

// appendJSONString quotes s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
		}
	}
	return append(b, '"')
}
