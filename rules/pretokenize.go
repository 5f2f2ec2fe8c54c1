package rules

import (
	"unicode"
	"unicode/utf8"
)

// o200k's byte-pair encoding runs on pieces: a regular expression splits the text
// first (words with an optional leading space or symbol, runs of up to three digits,
// runs of punctuation, whitespace), and every piece is encoded on its own. Counting a
// text is the sum of its pieces' counts, and the pieces of rule text repeat ("the",
// " function", ".\n"), so countPieces memoises piece → count. splitO200k is that
// regular expression written out by hand, alternative by alternative, with the same
// character classes (Go's unicode tables; \s is unicode.IsSpace): it finds the same
// pieces in one forward pass, where the backtracking engine is quadratic on long
// whitespace runs. FuzzTokenCount holds it to the library.
//
// The expression, for reference (alternatives tried in order at each position):
//
//	1 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	2 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	3 \p{N}{1,3}
//	4  ?[^\s\p{L}\p{N}]+[\r\n/]*
//	5 \s*[\r\n]+
//	6 \s+(?!\S)
//	7 \s+

// splitO200k calls piece for every piece of s, in order; s must be valid UTF-8.
//
// Two behaviours of the library's compiled expression (regexp2's generated matcher)
// are kept, since the counts must equal its own: DEL (U+007F) is in none of its
// classes, so no alternative matches it and the matcher steps over it, and \s*[\r\n]+
// stops at the first line break of a whitespace run, as if \s* were lazy.
func splitO200k(s string, piece func(string)) {
	for i := 0; i < len(s); {
		if s[i] == 0x7f {
			i++
			continue
		}
		n := matchAt(s, i)
		piece(s[i : i+n])
		i += n
	}
}

// matchAt is the length of the piece that starts at byte i (at least one rune).
func matchAt(s string, i int) int {
	r, w := utf8.DecodeRuneInString(s[i:])
	// 1, then 2: a word, each first with an optional leading character that is no
	// letter, digit or line break, then without it.
	for _, alt := range [...]func(string, int) int{lowerWord, upperWord} {
		if isPrefix(r) {
			if n := alt(s, i+w); n > 0 {
				return w + n
			}
		}
		if n := alt(s, i); n > 0 {
			return n
		}
	}
	// 3: one to three digits.
	if unicode.IsNumber(r) {
		n := w
		for k := 1; k < 3 && i+n < len(s); k++ {
			r2, w2 := utf8.DecodeRuneInString(s[i+n:])
			if !unicode.IsNumber(r2) {
				break
			}
			n += w2
		}
		return n
	}
	// 4: punctuation, after an optional space, then line breaks and slashes.
	j := i
	if r == ' ' {
		j++
	}
	if k := runClass(s, j, clPunct, isPunct); k > j {
		return runOf(s, k, func(r rune) bool { return r == '\r' || r == '\n' || r == '/' }) - i
	}
	// 5, 6, 7: whitespace (r is a space here: every other rune matched above).
	q := runOf(s, i, func(r rune) bool { return r != '\r' && r != '\n' && unicode.IsSpace(r) })
	if q < len(s) && (s[q] == '\r' || s[q] == '\n') { // 5
		return runOf(s, q, func(r rune) bool { return r == '\r' || r == '\n' }) - i
	}
	end := runClass(s, q, clSpace, unicode.IsSpace)
	if end == len(s) {
		return end - i // 6 at the end of the text
	}
	_, lastW := utf8.DecodeLastRuneInString(s[i:end])
	if end-lastW > i {
		return end - lastW - i // 6: all but the last space, which goes to the next word
	}
	return end - i // 7
}

// lowerWord matches [U]*[L]+ and a contraction at i (alternative 1 without its
// prefix); 0 when it does not match.
func lowerWord(s string, i int) int {
	k := runClass(s, i, clUpper, isUpperish) // the greedy [U]*
	end := 0
	if r, _ := utf8.DecodeRuneInString(s[k:]); k < len(s) && isLowerish(r) {
		end = runClass(s, k, clLower, isLowerish)
	} else {
		// [U]* gives back runes until one is in [L] too; [L]+ is then that rune alone
		// (those after it, up to k, are in [U] only).
		for b := k; b > i; {
			r, w := utf8.DecodeLastRuneInString(s[i:b])
			b -= w
			if isLowerish(r) {
				end = b + w
				break
			}
		}
	}
	if end == 0 {
		return 0
	}
	return end + contraction(s, end) - i
}

// upperWord matches [U]+[L]* and a contraction at i (alternative 2 without its
// prefix); 0 when it does not match.
func upperWord(s string, i int) int {
	k := runClass(s, i, clUpper, isUpperish)
	if k == i {
		return 0
	}
	end := runClass(s, k, clLower, isLowerish)
	return end + contraction(s, end) - i
}

// contraction is the length of (?i:'s|'t|'re|'ve|'m|'ll|'d) at i, or 0.
func contraction(s string, i int) int {
	if i >= len(s) || s[i] != '\'' {
		return 0
	}
	lower := func(k int) byte {
		if k < len(s) && s[k] >= 'A' && s[k] <= 'Z' {
			return s[k] + 'a' - 'A'
		}
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	switch c := lower(i + 1); c {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if lower(i+2) == 'e' {
			return 3
		}
	case 'l':
		if lower(i+2) == 'l' {
			return 3
		}
	}
	return 0
}

// ASCII classes, so the common case needs neither a call nor a table search.
const (
	clUpper = 1 << iota
	clLower
	clPrefix
	clPunct
	clSpace
	clDigit
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for r := range rune(utf8.RuneSelf) {
		switch {
		case r >= 'A' && r <= 'Z':
			t[r] = clUpper
		case r >= 'a' && r <= 'z':
			t[r] = clLower
		case r >= '0' && r <= '9':
			t[r] = clDigit
		case r == 0x7f: // in no class: see splitO200k
		case unicode.IsSpace(r):
			t[r] = clSpace
			if r != '\r' && r != '\n' {
				t[r] |= clPrefix
			}
		default:
			t[r] = clPunct | clPrefix
		}
	}
	return t
}()

// runClass returns the end of the run from i of runes in class cl (an ASCII class
// bit), deciding the others with in.
func runClass(s string, i int, cl uint8, in func(rune) bool) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiClass[c]&cl == 0 {
				return i
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if !in(r) {
			break
		}
		i += w
	}
	return i
}

// runOf returns the end of the run of runes from i that satisfy in.
func runOf(s string, i int, in func(rune) bool) int {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !in(r) {
			break
		}
		i += w
	}
	return i
}

func isUpperish(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

func isLowerish(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

// isPrefix: [^\r\n\p{L}\p{N}].
func isPrefix(r rune) bool {
	if r < utf8.RuneSelf {
		return r != '\r' && r != '\n' && r != 0x7f && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9')
	}
	return !unicode.IsLetter(r) && !unicode.IsNumber(r)
}

// isPunct: [^\s\p{L}\p{N}].
func isPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return r > ' ' && r != 0x7f && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9') ||
			r < ' ' && !unicode.IsSpace(r)
	}
	return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}
