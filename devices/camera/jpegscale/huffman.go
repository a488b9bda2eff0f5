// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Changed from image/jpeg: the bit reader keeps up to 64 bits, MSB first,
// filled eight bytes at a time from a copy of the entropy-coded segment
// with the byte stuffing undone; the look-up table covers 11-bit codes,
// and a second one decodes a whole AC symbol (code, run and value bits)
// in one step.

package jpegscale

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// maxCodeLength is the maximum (inclusive) number of bits in a Huffman code.
const maxCodeLength = 16

// maxNCodes is the maximum (inclusive) number of codes in a Huffman tree.
const maxNCodes = 256

// lutSize is the log-2 size of the Huffman decoder's look-up table.
const lutSize = 11

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// length is the number of codes in the tree.
	nCodes int32
	// lut is the look-up table for the next lutSize bits in the bit-stream.
	// The high 8 bits of the uint16 are the encoded value. The low 8 bits
	// are the code length, or 0 if the code is longer than lutSize bits.
	lut [1 << lutSize]uint16
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// maxCodes[i] is one more than the maximum code of length i+1,
	// left-aligned in 16 bits (so a 16-bit peek compares directly), or 0
	// if there are no codes of that length.
	maxCodes [maxCodeLength]uint32
	// valOffset[i] maps a code of length i+1 to its index in vals.
	valOffset [maxCodeLength]int32
	// builtN and builtCounts are the number of codes and the counts per
	// length the tables were last built from (builtN 0: not built);
	// nCodes is reset for every image, these are not.
	builtN      int32
	builtCounts [16]byte
	// fast, for AC tables, decodes one or two whole symbols (code and
	// value bits) from the next lutSize bits when they fit in them (nearly
	// every symbol, and most pairs): see fastEntry; 0 when not even the
	// first fits.
	fast [1 << lutSize]fastEntry
}

// bitReader holds the unprocessed bits of the current entropy-coded
// segment, which startSegment has copied into d.ecs with the byte stuffing
// undone and zero padding after it. acc's n most significant bits are the
// unread bits (the bits below them are the following stream bits or zero);
// pos is the next byte of d.ecs to load; end is the length of the
// segment's own data. Reading past end hands out the padding's zero bits,
// as a decoder meeting a marker must: short reports it after the fact.
type bitReader struct {
	acc  uint64
	n    uint
	pos  int
	end  int
	over bool // the padding ran out: the data was short by far
}

// ecsPad is the zero padding after a segment in d.ecs: more than one MCU
// can consume (ten blocks of 64 coefficients of at most 32 bits each), so
// the per-MCU short check stops a decode before the loads run off it.
const ecsPad = 10*64*4 + 64

// refill tops the accumulator up to at least 56 bits, without a branch on
// the data: one 8-byte load shifted under the unread bits (the partial
// byte it also ORs in is loaded again, identically, next time).
func (d *decoder) refill() {
	br := &d.bits
	if br.pos+8 > len(d.ecs) {
		// Only a hostile stream gets here (the per-MCU check stops a
		// short one first): supply zeros and report it as short.
		br.over = true
		br.n |= 56
		return
	}
	br.acc |= binary.BigEndian.Uint64(d.ecs[br.pos:]) >> br.n
	br.pos += int((63 - br.n) >> 3)
	br.n |= 56
}

// short reports whether the reader has handed out padding bits.
func (br *bitReader) short() bool { return br.over || 8*br.pos-int(br.n) > 8*br.end }

// startSegment copies the entropy-coded data from d.pos up to the next
// marker into d.ecs, undoing the byte stuffing (0xff 0x00 is 0xff), pads
// it with zeros, resets the bit reader to its start and leaves d.pos on
// the marker (or at the end of the data).
func (d *decoder) startSegment() {
	data, p := d.data, d.pos
	buf := d.ecs[:0]
	for {
		i := bytes.IndexByte(data[p:], 0xff)
		if i < 0 {
			buf = append(buf, data[p:]...)
			p = len(data)
			break
		}
		buf = append(buf, data[p:p+i]...)
		p += i
		if p+1 < len(data) && data[p+1] == 0x00 {
			buf = append(buf, 0xff)
			p += 2
			continue
		}
		break // a marker, or a lone 0xff at the end
	}
	end := len(buf)
	buf = slices.Grow(buf, ecsPad)[:end+ecsPad]
	clear(buf[end:])
	d.ecs = buf
	d.pos = p
	d.bits = bitReader{end: end}
}

// receiveExtend is the composition of RECEIVE and EXTEND, specified in section
// F.2.2.1. t is at most 16.
func (d *decoder) receiveExtend(t uint8) int32 {
	if t == 0 {
		return 0
	}
	if d.bits.n < 16 {
		d.refill()
	}
	x := int32(d.bits.acc >> (64 - uint(t)))
	d.bits.acc <<= t
	d.bits.n -= uint(t)
	if x < 1<<(t-1) {
		x += (-1 << t) + 1
	}
	return x
}

// processDHT processes a Define Huffman Table marker, and initializes a huffman
// struct from its contents. Specified in section B.2.4.2.
func (d *decoder) processDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return FormatError("DHT has wrong length")
		}
		if err := d.readFull(d.tmp[:17]); err != nil {
			return err
		}
		tc := d.tmp[0] >> 4
		if tc > maxTc {
			return FormatError("bad Tc value")
		}
		th := d.tmp[0] & 0x0f
		// The baseline th <= 1 restriction is specified in table B.5.
		if th > maxTh || (d.baseline && th > 1) {
			return FormatError("bad Th value")
		}
		h := &d.huff[tc][th]

		// Read nCodes and h.vals (and derive h.nCodes).
		// nCodes[i] is the number of codes with code length i.
		// h.nCodes is the total number of codes.
		h.nCodes = 0
		var nCodes [maxCodeLength]int32
		for i := range nCodes {
			nCodes[i] = int32(d.tmp[i+1])
			h.nCodes += nCodes[i]
		}
		if h.nCodes == 0 {
			return FormatError("Huffman table has zero length")
		}
		if h.nCodes > maxNCodes {
			h.nCodes = 0
			return FormatError("Huffman table has excessive length")
		}
		n -= int(h.nCodes) + 17
		if n < 0 {
			h.nCodes = 0
			return FormatError("DHT has wrong length")
		}
		// A stream of frames (or a batch of photos from one camera)
		// defines the same tables every time: the tables built last time
		// from these very counts and values are kept.
		vals := d.data[d.pos:]
		if len(vals) < int(h.nCodes) {
			d.pos = len(d.data)
			h.nCodes = 0
			return errShort
		}
		vals = vals[:h.nCodes]
		d.pos += int(h.nCodes)
		if h.builtN == h.nCodes && [16]byte(d.tmp[1:17]) == h.builtCounts && string(vals) == string(h.vals[:h.nCodes]) {
			continue
		}
		h.builtN = 0
		copy(h.vals[:], vals)

		// Derive the look-up table, maxCodes and valOffset. A table whose
		// codes overflow their length (more codes than fit) is corrupt.
		clear(h.lut[:])
		var code, index int32
		for i := range maxCodeLength {
			length := uint32(i + 1)
			if nCodes[i] == 0 {
				h.maxCodes[i] = 0
				h.valOffset[i] = 0
				code <<= 1
				continue
			}
			h.valOffset[i] = index - code
			for j := int32(0); j < nCodes[i]; j++ {
				if code >= 1<<length {
					h.nCodes = 0
					return FormatError("bad Huffman table")
				}
				if length <= lutSize {
					// Every lutSize-bit sequence starting with code maps to it.
					base := uint32(code) << (lutSize - length)
					v := uint16(h.vals[index])<<8 | uint16(length)
					for k := uint32(0); k < 1<<(lutSize-length); k++ {
						h.lut[base|k] = v
					}
				}
				code++
				index++
			}
			h.maxCodes[i] = uint32(code) << (16 - length)
			code <<= 1
		}
		clear(h.fast[:])
		if tc == acTable {
			h.buildFast()
		}
		h.builtN, h.builtCounts = h.nCodes, [16]byte(d.tmp[1:17])
	}
	return nil
}

// A fastEntry decodes the AC symbols at the top of the bit reader: one,
// or two when both fit in lutSize bits (the second is then decoded with
// the first, saving a look-up on the decoder's critical path). Each
// symbol is a step (how far the zig-zag index moves: run+1; 16 for a run
// of sixteen zeros, whose value is 0; 64 for the end of block) and a
// value:
//
//	bits  0-4   bits used by both symbols
//	bits  5-9   bits used by the first
//	bits 10-16  the first's step
//	bits 17-23  the second's step (0: no second symbol)
//	bits 32-47  the first's value (int16)
//	bits 48-63  the second's value (int16; 0 without one)
type fastEntry uint64

func (f fastEntry) bits() uint  { return uint(f) & 31 }
func (f fastEntry) bits1() uint { return uint(f>>5) & 31 }
func (f fastEntry) step1() uint { return uint(f>>10) & 127 }
func (f fastEntry) step2() uint { return uint(f>>17) & 127 }
func (f fastEntry) val1() int32 { return int32(int16(f >> 32)) }
func (f fastEntry) val2() int32 { return int32(int16(f >> 48)) }
func makeFast(l, step uint, v int32) fastEntry {
	return fastEntry(l) | fastEntry(l)<<5 | fastEntry(step)<<10 | fastEntry(uint16(int16(v)))<<32
}

// buildFast fills h.fast from h.lut: first every symbol whose code and
// value bits fit in lutSize bits, then a second symbol after the first
// wherever the bits left determine it.
func (h *huffman) buildFast() {
	for idx, v := range h.lut {
		l, rs := uint(v&0xff), v>>8
		r, s := uint(rs>>4), uint(rs&0x0f)
		switch {
		case l == 0:
			continue
		case s == 0 && r != 0x0f:
			h.fast[idx] = makeFast(l, blockSize, 0) // end of block
		case s == 0:
			h.fast[idx] = makeFast(l, 16, 0) // sixteen zeros
		case l+s <= lutSize:
			x := int32(uint(idx)>>(lutSize-l-s)) & (1<<s - 1)
			if x < 1<<(s-1) {
				x += (-1 << s) + 1
			}
			h.fast[idx] = makeFast(l+s, r+1, x)
		}
	}
	single := h.fast // the one-symbol entries, while they are paired
	for idx, f := range single {
		if f == 0 || f.step1() == blockSize {
			continue
		}
		l1 := f.bits()
		// The bits after the first symbol, the unknown ones zero: a
		// second symbol that fits in the known ones does not depend on
		// them.
		g := single[(idx<<l1)&(1<<lutSize-1)]
		if g == 0 || l1+g.bits() > lutSize {
			continue
		}
		h.fast[idx] = f&^31 | fastEntry(l1+g.bits()) | fastEntry(g.step1())<<17 | fastEntry(uint16(int16(g.val1())))<<48
	}
}

// lookup decodes the symbol at the top of acc (which must hold at least
// 16 bits) and returns it with its code length; length 0 means a bad code.
func (h *huffman) lookup(acc uint64) (uint8, uint) {
	if v := h.lut[acc>>(64-lutSize)]; v != 0 {
		return uint8(v >> 8), uint(v & 0xff)
	}
	return h.slow(acc)
}

// slow decodes a code longer than lutSize bits.
func (h *huffman) slow(acc uint64) (uint8, uint) {
	peek := uint32(acc >> 48)
	for i := lutSize; i < maxCodeLength; i++ {
		if peek < h.maxCodes[i] {
			length := uint(i + 1)
			idx := int32(peek>>(16-length)) + h.valOffset[i]
			if idx < 0 || idx >= h.nCodes {
				return 0, 0
			}
			return h.vals[idx], length
		}
	}
	return 0, 0
}

// decodeHuffman returns the next Huffman-coded value from the bit-stream,
// decoded according to h.
func (d *decoder) decodeHuffman(h *huffman) (uint8, error) {
	if d.bits.n < 16 {
		d.refill()
	}
	if v := h.lut[d.bits.acc>>(64-lutSize)]; v != 0 {
		n := v & 0xff
		d.bits.acc <<= n
		d.bits.n -= uint(n)
		return uint8(v >> 8), nil
	}
	if h.nCodes == 0 {
		return 0, FormatError("uninitialized Huffman table")
	}
	peek := uint32(d.bits.acc >> 48)
	for i := lutSize; i < maxCodeLength; i++ {
		if peek < h.maxCodes[i] {
			length := uint(i + 1)
			idx := int32(peek>>(16-length)) + h.valOffset[i]
			d.bits.acc <<= length
			d.bits.n -= length
			if idx < 0 || idx >= h.nCodes {
				return 0, FormatError("bad Huffman code")
			}
			return h.vals[idx], nil
		}
	}
	return 0, FormatError("bad Huffman code")
}

func (d *decoder) decodeBit() bool {
	if d.bits.n == 0 {
		d.refill()
	}
	ret := d.bits.acc&(1<<63) != 0
	d.bits.acc <<= 1
	d.bits.n--
	return ret
}

// decodeBits reads n ≤ 16 bits.
func (d *decoder) decodeBits(n uint) uint32 {
	if d.bits.n < n {
		d.refill()
	}
	ret := uint32(d.bits.acc >> (64 - n))
	d.bits.acc <<= n
	d.bits.n -= n
	return ret
}
