package wire

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// AppendJSON appends r encoded exactly as encoding/json.Marshal encodes it (HTML
// characters, U+2028 and U+2029 escaped; invalid UTF-8 replaced by U+FFFD; nil slices
// as null). The server encodes every new airules/context answer, ~60 KB at an
// 8,000-token budget, on the request path; by reflection that was about a third of
// the server's time for the answer (BenchmarkAppendJSON beside the tests).
func (r *ContextResult) AppendJSON(b []byte) []byte {
	b = appendStringField(append(b, '{'), `"uri":`, r.URI)
	b = appendStringField(b, `,"languageId":`, r.LanguageID)
	b = appendList(append(b, `,"rules":`...), r.Rules, (*ContextRule).appendJSON)
	b = appendList(append(b, `,"omitted":`...), r.Omitted, (*OmittedRule).appendJSON)
	b = appendIntField(b, `,"moreOmitted":`, r.MoreOmitted)
	b = appendList(append(b, `,"available":`...), r.Available, (*AvailableRule).appendJSON)
	b = appendStringField(b, `,"prompt":`, r.Prompt)
	b = appendIntField(b, `,"tokens":`, r.Tokens)
	b = appendIntField(b, `,"maxTokens":`, r.MaxTokens)
	b = strconv.AppendUint(append(b, `,"generation":`...), r.Generation, 10)
	if len(r.Explain) > 0 {
		b = appendList(append(b, `,"explain":`...), r.Explain, (*ExplainedRule).appendJSON)
	}
	return append(b, '}')
}

func (r *ContextRule) appendJSON(b []byte) []byte {
	b = appendStringField(append(b, '{'), `"id":`, r.ID)
	b = appendStringField(b, `,"uri":`, r.URI)
	b = appendStringField(b, `,"description":`, r.Description)
	b = appendStringField(b, `,"layer":`, r.Layer)
	b = appendStringField(b, `,"format":`, r.Format)
	b = appendIntField(b, `,"priority":`, r.Priority)
	b = appendStrings(append(b, `,"scope":`...), r.Scope)
	b = appendStrings(append(b, `,"reasons":`...), r.Reasons)
	b = appendIntField(b, `,"tokens":`, r.Tokens)
	if r.Content != "" {
		b = appendStringField(b, `,"content":`, r.Content)
	}
	return append(b, '}')
}

func (r *OmittedRule) appendJSON(b []byte) []byte {
	b = appendStringField(append(b, '{'), `"id":`, r.ID)
	b = appendStringField(b, `,"uri":`, r.URI)
	b = appendStringField(b, `,"description":`, r.Description)
	b = appendStringField(b, `,"reason":`, r.Reason)
	b = appendIntField(b, `,"tokens":`, r.Tokens)
	if r.Of != "" {
		b = appendStringField(b, `,"of":`, r.Of)
	}
	return append(b, '}')
}

func (r *AvailableRule) appendJSON(b []byte) []byte {
	b = appendStringField(append(b, '{'), `"id":`, r.ID)
	b = appendStringField(b, `,"description":`, r.Description)
	b = appendStringField(b, `,"uri":`, r.URI)
	return append(b, '}')
}

func (r *ExplainedRule) appendJSON(b []byte) []byte {
	b = appendStringField(append(b, '{'), `"id":`, r.ID)
	b = strconv.AppendBool(append(b, `,"applies":`...), r.Applies)
	b = appendStringField(b, `,"why":`, r.Why)
	return append(b, '}')
}

// appendStringField appends key (with its comma and colon) and the string v.
func appendStringField(b []byte, key, v string) []byte {
	return appendString(append(b, key...), v)
}

// appendIntField appends key (with its comma and colon) and the number v.
func appendIntField(b []byte, key string, v int) []byte {
	return strconv.AppendInt(append(b, key...), int64(v), 10)
}

// appendList appends the JSON array of list, each element by appendOne; nil is null.
func appendList[T any](b []byte, list []T, appendOne func(*T, []byte) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendOne(&list[i], b)
	}
	return append(b, ']')
}

// appendStrings appends the JSON array of list; nil is null.
func appendStrings(b []byte, list []string) []byte {
	return appendList(b, list, func(s *string, b []byte) []byte { return appendString(b, *s) })
}

// plainJSON marks the ASCII bytes a JSON string holds as they are: printable, and
// none of `"`, `\` or the HTML characters encoding/json escapes.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	t[0x7f] = true
	return t
}()

// skipPlain returns the index of the first word of 8 bytes from s[i:] that holds a byte
// needing more than a copy (a control character, `"`, `\`, an HTML character, or one
// past ASCII), or of the tail shorter than a word. A prompt is tens of kilobytes of
// plain bytes, so they are tested a word at a time: with x the word xor a byte
// repeated, (x-0x01…01)&^x has a byte's top bit set iff some byte of x is zero.
func skipPlain(s string, i int) int {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		q, bs, lt, gt, amp := w^(ones*'"'), w^(ones*'\\'), w^(ones*'<'), w^(ones*'>'), w^(ones*'&')
		bad := w | (w-ones*0x20)&^w | // past ASCII, or below ' '
			(q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
		if bad &= tops; bad != 0 {
			// Borrows only run upwards: the lowest byte flagged is one to escape.
			return i + bits.TrailingZeros64(bad)/8
		}
	}
	return i
}

// appendString appends s as a JSON string, escaped as encoding/json escapes it. Runs
// of bytes that need no escape are copied at once: a prompt is mostly such a run.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		i = skipPlain(s, i)
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plainJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default: // other control characters, <, > and &
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
