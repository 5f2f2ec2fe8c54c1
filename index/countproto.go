package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// The token counter's wire, between a CountWorker and the worker process it starts
// (ServeTokenCounts), over the worker's standard input and output. A request is
//
//	uvarint id, byte kind, uvarint n, n × (uint32 length, little-endian; bytes)
//
// and its answer, in any order against the other requests in flight,
//
//	uvarint id, uvarint n, n × uvarint count
//
// kind is countUrgent for a request a client waits for, countBulk for the background
// warmer's batches, which the worker counts at low priority.
const (
	countUrgent byte = 0
	countBulk   byte = 1
)

// Bounds a worker holds a request to, so that a damaged stream cannot make it allocate
// without limit.
const (
	maxCountTexts = 1 << 20
	maxCountText  = 64 << 20
	maxCountBatch = 256 << 20
)

var errCountFrame = errors.New("malformed token count frame")

// appendCountRequest appends a request for n texts, each appended by text; a length
// is written after its text, so the text is never built apart.
func appendCountRequest(buf []byte, id uint64, kind byte, n int, text func(dst []byte, i int) []byte) []byte {
	buf = binary.AppendUvarint(buf, id)
	buf = append(buf, kind)
	buf = binary.AppendUvarint(buf, uint64(n))
	for i := range n {
		at := len(buf)
		buf = text(append(buf, 0, 0, 0, 0), i)
		binary.LittleEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf
}

// stringsText is a request's text function for texts given as strings.
func stringsText(texts []string) func([]byte, int) []byte {
	return func(dst []byte, i int) []byte { return append(dst, texts[i]...) }
}

// readCountRequest reads one request; io.EOF means the stream ended between two.
func readCountRequest(r *bufio.Reader) (id uint64, kind byte, texts []string, err error) {
	id, err = binary.ReadUvarint(r)
	if err != nil {
		return 0, 0, nil, err
	}
	if kind, err = r.ReadByte(); err != nil {
		return 0, 0, nil, noEOF(err)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, 0, nil, noEOF(err)
	}
	if kind > countBulk || n > maxCountTexts {
		return 0, 0, nil, fmt.Errorf("%w: kind %d, %d texts", errCountFrame, kind, n)
	}
	texts = make([]string, 0, n)
	total := uint64(0)
	var lb [4]byte
	for range n {
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return 0, 0, nil, noEOF(err)
		}
		l := uint64(binary.LittleEndian.Uint32(lb[:]))
		if total += l; l > maxCountText || total > maxCountBatch {
			return 0, 0, nil, fmt.Errorf("%w: a text of %d bytes", errCountFrame, l)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			return 0, 0, nil, noEOF(err)
		}
		// b is the text's own (no copy: a round's texts wait in the worker's queue, and a
		// copy of each would be as much garbage for its collector, at normal priority).
		texts = append(texts, unsafe.String(unsafe.SliceData(b), len(b)))
	}
	return id, kind, texts, nil
}

func appendCountReply(buf []byte, id uint64, counts []int) []byte {
	buf = binary.AppendUvarint(buf, id)
	buf = binary.AppendUvarint(buf, uint64(len(counts)))
	for _, c := range counts {
		buf = binary.AppendUvarint(buf, uint64(c))
	}
	return buf
}

// readCountReply reads one answer; io.EOF means the stream ended between two.
func readCountReply(r *bufio.Reader) (id uint64, counts []int, err error) {
	id, err = binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, noEOF(err)
	}
	if n > maxCountTexts {
		return 0, nil, fmt.Errorf("%w: %d counts", errCountFrame, n)
	}
	counts = make([]int, n)
	for i := range counts {
		c, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, nil, noEOF(err)
		}
		if c > maxCountText {
			return 0, nil, fmt.Errorf("%w: a count of %d", errCountFrame, c)
		}
		counts[i] = int(c)
	}
	return id, counts, nil
}

// noEOF turns an end of stream inside a frame into the error it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
