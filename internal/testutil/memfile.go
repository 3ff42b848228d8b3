package testutil

import (
	"errors"
	"io"
)

// MemFile is an in-memory io.ReadWriteSeeker for encoder and decoder tests.
type MemFile struct {
	Data []byte
	pos  int64
}

// Write writes at the current position, growing the file as needed.
func (m *MemFile) Write(p []byte) (int, error) {
	end := m.pos + int64(len(p))
	if end > int64(len(m.Data)) {
		if end > int64(cap(m.Data)) {
			nd := make([]byte, end, 2*end)
			copy(nd, m.Data)
			m.Data = nd
		}
		m.Data = m.Data[:end]
	}
	copy(m.Data[m.pos:], p)
	m.pos = end
	return len(p), nil
}

// Read reads from the current position.
func (m *MemFile) Read(p []byte) (int, error) {
	if m.pos >= int64(len(m.Data)) {
		return 0, io.EOF
	}
	n := copy(p, m.Data[m.pos:])
	m.pos += int64(n)
	return n, nil
}

// Seek sets the position.
func (m *MemFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += m.pos
	case io.SeekEnd:
		off += int64(len(m.Data))
	}
	if off < 0 {
		return 0, errors.New("memfile: negative position")
	}
	m.pos = off
	return off, nil
}
