// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Changed from image/jpeg: blocks are dequantized (and, at a reduced
// scale, folded: scaled.go) as they are decoded and written at 8/scale
// pixels a side; interleaved sequential scans have their own loop, and
// AC symbols a table step each (acFast); components the caller does not
// want (chroma, for luma-only output) are parsed past without being
// stored or transformed, and their progressive AC scans are skipped
// unread.

package jpegscale

import (
	"bytes"
	"encoding/binary"
)

// needed reports whether component i is part of the output.
func (d *decoder) needed(i int) bool { return i == 0 || !d.gray }

// makeImg sizes the output planes for an image of mxx×myy MCUs.
func (d *decoder) makeImg(mxx, myy int) {
	d.made = true
	for i := 0; i < d.nComp; i++ {
		if !d.needed(i) {
			continue
		}
		w := d.bs * d.comp[i].h * mxx
		h := d.bs * d.comp[i].v * myy
		if d.nComp == 1 {
			w, h = d.bs*mxx, d.bs*myy
		}
		if cap(d.planes[i]) < w*h {
			d.planes[i] = make([]byte, w*h)
		}
		d.planes[i] = d.planes[i][:w*h]
		d.strides[i] = w
	}
}

// Specified in section B.2.3.
func (d *decoder) processSOS(n int) error {
	if d.nComp == 0 {
		return FormatError("missing SOF marker")
	}
	if n < 6 || 4+2*d.nComp < n || n%2 != 0 {
		return FormatError("SOS has wrong length")
	}
	if err := d.readFull(d.tmp[:n]); err != nil {
		return err
	}
	nComp := int(d.tmp[0])
	if n != 4+2*nComp {
		return FormatError("SOS length inconsistent with number of components")
	}
	var scan [maxComponents]scanComp
	totalHV := 0
	for i := 0; i < nComp; i++ {
		cs := d.tmp[1+2*i] // Component selector.
		compIndex := -1
		for j, comp := range d.comp[:d.nComp] {
			if cs == comp.c {
				compIndex = j
			}
		}
		if compIndex < 0 {
			return FormatError("unknown component selector")
		}
		scan[i].compIndex = uint8(compIndex)
		// Section B.2.3 states that "the value of Cs_j shall be different from
		// the values of Cs_1 through Cs_(j-1)". Since we have previously
		// verified that a frame's component identifiers (C_i values in section
		// B.2.2) are unique, it suffices to check that the implicit indexes
		// into d.comp are unique.
		for j := 0; j < i; j++ {
			if scan[i].compIndex == scan[j].compIndex {
				return FormatError("repeated component selector")
			}
		}
		totalHV += d.comp[compIndex].h * d.comp[compIndex].v

		// The baseline t <= 1 restriction is specified in table B.3.
		scan[i].td = d.tmp[2+2*i] >> 4
		if t := scan[i].td; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Td value")
		}
		scan[i].ta = d.tmp[2+2*i] & 0x0f
		if t := scan[i].ta; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Ta value")
		}
	}
	// Section B.2.3 states that if there is more than one component then the
	// total H*V values in a scan must be <= 10.
	if d.nComp > 1 && totalHV > 10 {
		return FormatError("total sampling factors too large")
	}

	// zigStart and zigEnd are the spectral selection bounds.
	// ah and al are the successive approximation high and low values.
	// The spec calls these values Ss, Se, Ah and Al.
	//
	// For progressive JPEGs, these are the two more-or-less independent
	// aspects of progression. Spectral selection progression is when not
	// all of a block's 64 DCT coefficients are transmitted in one pass.
	// For example, three passes could transmit coefficient 0 (the DC
	// component), coefficients 1-5, and coefficients 6-63, in zig-zag
	// order. Successive approximation is when not all of the bits of a
	// band of coefficients are transmitted in one pass. For example,
	// three passes could transmit the 6 most significant bits, followed
	// by the second-least significant bit, followed by the least
	// significant bit.
	//
	// For sequential JPEGs, these parameters are hard-coded to 0/63/0/0, as
	// per table B.3.
	zigStart, zigEnd, ah, al := int32(0), int32(blockSize-1), uint32(0), uint32(0)
	if d.progressive {
		zigStart = int32(d.tmp[1+2*nComp])
		zigEnd = int32(d.tmp[2+2*nComp])
		ah = uint32(d.tmp[3+2*nComp] >> 4)
		al = uint32(d.tmp[3+2*nComp] & 0x0f)
		if (zigStart == 0 && zigEnd != 0) || zigStart > zigEnd || blockSize <= zigEnd {
			return FormatError("bad spectral selection bounds")
		}
		if zigStart != 0 && nComp != 1 {
			return FormatError("progressive AC coefficients for more than one component")
		}
		if ah != 0 && ah != al+1 {
			return FormatError("bad successive approximation values")
		}
		if al > 13 {
			return FormatError("bad successive approximation values")
		}
	}
	// The tables this scan uses must have been defined (image/jpeg checks
	// at every symbol; once per scan is enough).
	for i := 0; i < nComp; i++ {
		if zigStart == 0 && ah == 0 && d.huff[dcTable][scan[i].td].nCodes == 0 {
			return FormatError("uninitialized Huffman table")
		}
		if zigEnd > 0 && d.huff[acTable][scan[i].ta].nCodes == 0 {
			return FormatError("uninitialized Huffman table")
		}
	}

	// mxx and myy are the number of MCUs (Minimum Coded Units) in the image.
	h0, v0 := d.comp[0].h, d.comp[0].v // The h and v values from the Y components.
	mxx := (d.width + 8*h0 - 1) / (8 * h0)
	myy := (d.height + 8*v0 - 1) / (8 * v0)
	if !d.made {
		d.makeImg(mxx, myy)
	}
	wanted := false
	for i := 0; i < nComp; i++ {
		wanted = wanted || d.needed(int(scan[i].compIndex))
	}
	if !wanted {
		// A scan of chroma only (a progressive AC band, or one component
		// of a non-interleaved image) when only luma is wanted: jump to
		// the marker that ends it without decoding a bit.
		return d.skipScan()
	}
	if d.progressive {
		for i := 0; i < nComp; i++ {
			ci := scan[i].compIndex
			if !d.needed(int(ci)) || d.progUsed[ci] {
				continue
			}
			size := mxx * myy * d.comp[ci].h * d.comp[ci].v
			if cap(d.progCoeffs[ci]) < size {
				d.progCoeffs[ci] = make([]block, size)
			}
			d.progCoeffs[ci] = d.progCoeffs[ci][:size]
			clear(d.progCoeffs[ci])
			d.progUsed[ci] = true
		}
	}

	d.startSegment()
	if !d.progressive && nComp > 1 {
		return d.interleavedScan(scanUnits(d, scan[:nComp], zigStart, zigEnd, ah, al), mxx, myy)
	}
	expectedRST := uint8(rst0Marker)
	// total is the number of restart units (MCUs; blocks in a
	// non-interleaved scan) in the scan.
	total := mxx * myy
	if nComp == 1 {
		c := d.comp[scan[0].compIndex]
		total = min(mxx*c.h, (d.width+7)/8) * min(myy*c.v, (d.height+7)/8)
	}
	var (
		work  unitWork
		dc    [maxComponents]int32
		units int
		// bx and by are the location of the current block, in units of 8x8
		// blocks: the third block in the first row has (bx, by) = (2, 0).
		bx, by     int
		blockCount int
	)
	units4 := scanUnits(d, scan[:nComp], zigStart, zigEnd, ah, al)
	for my := 0; my < myy; my++ {
		for mx := 0; mx < mxx; mx++ {
			for i := 0; i < nComp; i++ {
				unit := &units4[i]
				compIndex := unit.comp
				hi := d.comp[compIndex].h
				vi := d.comp[compIndex].v
				for j := 0; j < hi*vi; j++ {
					// The blocks are traversed one MCU at a time. For 4:2:0 chroma
					// subsampling, there are four Y 8x8 blocks in every 16x16 MCU.
					//
					// For a sequential 32x16 pixel image, the Y blocks visiting order is:
					//	0 1 4 5
					//	2 3 6 7
					//
					// For progressive images, the interleaved scans (those with nComp > 1)
					// are traversed as above, but non-interleaved scans are traversed left
					// to right, top to bottom:
					//	0 1 2 3
					//	4 5 6 7
					// Only DC scans (zigStart == 0) can be interleaved. AC scans must have
					// only one component.
					//
					// To further complicate matters, for non-interleaved scans, there is no
					// data for any blocks that are inside the image at the MCU level but
					// outside the image at the pixel level. For example, a 24x16 pixel 4:2:0
					// progressive image consists of two 16x16 MCUs. The interleaved scans
					// will process 8 Y blocks:
					//	0 1 4 5
					//	2 3 6 7
					// The non-interleaved scans will process only 6 Y blocks:
					//	0 1 2
					//	3 4 5
					if nComp != 1 {
						bx = hi*mx + j%hi
						by = vi*my + j/hi
					} else {
						q := mxx * hi
						bx = blockCount % q
						by = blockCount / q
						blockCount++
						if bx*8 >= d.width || by*8 >= d.height {
							continue
						}
					}
					if err := d.decodeUnit(unit, &work, &dc[compIndex], bx, by, mxx*hi); err != nil {
						return err
					}
					if nComp == 1 {
						// A non-interleaved scan's MCU is one block: restart
						// intervals count blocks (image/jpeg counts the
						// interleaved MCUs here, and fails on such files).
						units++
						if err := d.restartAfter(units, total, &expectedRST, &dc); err != nil {
							return err
						}
					}
				} // for j
			} // for i
			if d.bits.short() {
				return FormatError("short Huffman data")
			}
			if nComp != 1 {
				units++
				if err := d.restartAfter(units, total, &expectedRST, &dc); err != nil {
					return err
				}
			}
		} // for mx
	} // for my
	return nil
}

// scanComp is one component of a scan header.
type scanComp struct {
	compIndex uint8
	td        uint8 // DC table selector.
	ta        uint8 // AC table selector.
}

// scanUnits describes the scan's components for the block decoders.
func scanUnits(d *decoder, scan []scanComp, zigStart, zigEnd int32, ah, al uint32) []scanUnit {
	us := d.units[:len(scan)]
	for i, sc := range scan {
		ci := int(sc.compIndex)
		tq := d.comp[ci].tq
		makeFoldTab(&d.tabs[tq], &d.quant[tq], d.scale)
		us[i] = scanUnit{
			comp: ci, keep: d.needed(ci), tab: &d.tabs[d.comp[ci].tq],
			dcH: &d.huff[dcTable][sc.td], acH: &d.huff[acTable][sc.ta],
			zigStart: zigStart, zigEnd: zigEnd, ah: ah, al: al,
		}
	}
	return us
}

// interleavedScan decodes a sequential scan of several components (the
// scan of every camera frame): each MCU holds the blocks of each
// component in turn, h×v of them, whose places are worked out once here.
func (d *decoder) interleavedScan(us []scanUnit, mxx, myy int) error {
	type mcuBlock struct {
		u      *scanUnit
		plane  []byte // the component's pixels (nil: not kept)
		stride int
		off    int // the block's first pixel from the MCU's
		across int // an MCU's pixels across the plane
		down   int // an MCU's rows down the plane, times stride
	}
	var (
		blocks [10]mcuBlock // processSOS allows at most 10 per MCU
		nb     int
	)
	bs := d.bs
	for i := range us {
		ci := us[i].comp
		c := d.comp[ci]
		for j := range c.h * c.v {
			if nb == len(blocks) {
				return FormatError("total sampling factors too large")
			}
			bl := mcuBlock{u: &us[i]}
			if us[i].keep {
				st := d.strides[ci]
				bl.plane, bl.stride = d.planes[ci], st
				bl.off = bs * ((j/c.h)*st + j%c.h)
				bl.across, bl.down = bs*c.h, bs*c.v*st
			}
			blocks[nb] = bl
			nb++
		}
	}
	var (
		b           block
		dc          [maxComponents]int32
		expectedRST = uint8(rst0Marker)
		n           int
	)
	total := mxx * myy
	for my := range myy {
		for mx := range mxx {
			for i := range blocks[:nb] {
				bl := &blocks[i]
				u := bl.u
				if bl.plane == nil {
					if err := d.skipBlock(u.dcH, u.acH); err != nil {
						return err
					}
					continue
				}
				last, err := d.decodeBlock(&b, &dc[u.comp], u.tab, u.dcH, u.acH)
				if err != nil {
					return err
				}
				d.reconstruct(&b, last, bl.plane[my*bl.down+mx*bl.across+bl.off:], bl.stride)
				d.clearBlock(&b, last)
			}
			if d.bits.short() {
				return FormatError("short Huffman data")
			}
			n++
			if err := d.restartAfter(n, total, &expectedRST, &dc); err != nil {
				return err
			}
		}
	}
	return nil
}

// clearBlock zeroes what decodeBlock wrote in b: the folded 4×4 (or
// smaller) block at a reduced scale; at full scale, the coefficients and
// what the IDCT wrote over them.
func (d *decoder) clearBlock(b *block, last uint) {
	if d.scale != 1 {
		clear(b[:16])
		return
	}
	*b = block{}
}

// scanUnit is what decoding one block of a scan needs to know.
type scanUnit struct {
	comp     int
	keep     bool
	tab      *foldTab
	dcH, acH *huffman
	zigStart int32
	zigEnd   int32
	ah, al   uint32
}

// unitWork is the scratch space of a scan.
type unitWork struct {
	// b is the decoded, dequantized coefficients of a sequential block, in
	// natural (not zig-zag) order.
	b block
	// scratch receives the DC of progressive components that are not kept.
	scratch block
}

// decodeUnit decodes the block at (bx, by) of component u.comp; stride is
// the component's width in blocks (of the MCU grid).
func (d *decoder) decodeUnit(u *scanUnit, w *unitWork, dc *int32, bx, by, stride int) error {
	if !d.progressive {
		if !u.keep {
			return d.skipBlock(u.dcH, u.acH)
		}
		last, err := d.decodeBlock(&w.b, dc, u.tab, u.dcH, u.acH)
		if err != nil {
			return err
		}
		d.reconstructBlock(&w.b, last, bx, by, u.comp)
		d.clearBlock(&w.b, last)
		return nil
	}
	// Progressive: load the previous partially decoded coefficients (in
	// natural order, not dequantized).
	pb := &w.scratch
	if u.keep {
		pb = &d.progCoeffs[u.comp][by*stride+bx]
	}
	if u.ah != 0 {
		return d.refine(pb, u.acH, u.zigStart, u.zigEnd, 1<<u.al)
	}
	return d.decodeProgressive(pb, dc, u.dcH, u.acH, u.zigStart, u.zigEnd, u.al)
}

// restartAfter handles the restart marker that follows every d.ri units
// (section F.1.2.3): the bit reader, the DC predictions and the EOB run
// start afresh.
func (d *decoder) restartAfter(units, total int, expectedRST *uint8, dc *[maxComponents]int32) error {
	if d.ri == 0 || units%d.ri != 0 || units >= total {
		return nil
	}
	if d.bits.short() {
		return FormatError("short Huffman data")
	}
	// For well-formed input, the RST[0-7] restart marker follows
	// immediately. For corrupt input, nextRST tries to resynchronize.
	if err := d.nextRST(*expectedRST); err != nil {
		return err
	}
	*expectedRST++
	if *expectedRST == rst7Marker+1 {
		*expectedRST = rst0Marker
	}
	d.startSegment()
	*dc = [maxComponents]int32{}
	d.eobRun = 0
	return nil
}

// decodeBlock decodes one sequential block into b (b must be zero):
// dequantized in natural order at full scale, folded (see scaled.go) at a
// reduced one, and returns the zig-zag index of the last
// coefficient written (0: the block is flat). This is the hot loop of a
// decode: the bit reader's state is kept in locals, refilled without a
// branch on the data, and nearly every symbol (coefficient, run of
// zeros, end of block) is one look-up in acH.fast.
func (d *decoder) decodeBlock(b *block, dc *int32, tab *foldTab, dcH, acH *huffman) (uint, error) {
	ecs := d.ecs
	acc, n, pos := d.bits.acc, d.bits.n, d.bits.pos
	if pos+8 > len(ecs) {
		d.bits.over = true
		return 0, FormatError("short Huffman data")
	}
	acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
	pos += int((63 - n) >> 3)
	n |= 56
	// Decode the DC coefficient, as specified in section F.2.2.1.
	var t uint8
	var l uint
	if v := dcH.lut[acc>>(64-lutSize)]; v != 0 {
		t, l = uint8(v>>8), uint(v&0xff)
	} else if t, l = dcH.slow(acc); l == 0 {
		return 0, FormatError("bad Huffman code")
	}
	if t > 16 {
		return 0, UnsupportedError("excessive DC component")
	}
	acc <<= l
	n -= l
	if t > 0 {
		if n < 16 {
			// A DC code and value can take 32 bits; most take 2 to 12.
			if pos+8 > len(ecs) {
				d.bits.over = true
				return 0, FormatError("short Huffman data")
			}
			acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
			pos += int((63 - n) >> 3)
			n |= 56
		}
		x := int32(acc >> (64 - uint(t)))
		acc <<= t
		n -= uint(t)
		if x < 1<<(t-1) {
			x += (-1 << t) + 1
		}
		*dc += x
	}
	b[0] = *dc * int32(tab[0]>>32)
	// Decode the AC coefficients, as specified in section F.2.2.2. zig
	// is the zig-zag index of the last coefficient decoded. acFast takes
	// every symbol its table holds; what it leaves (a long code, a
	// refill past the padding) is decoded here, then it goes on.
	zig, last := uint(0), uint(0)
	for {
		var done bool
		acc, n, pos, zig, last, done = acFast(acc, n, pos, ecs, &acH.fast, tab, b, zig, last)
		if done {
			break
		}
		if n < 32 {
			if pos+8 > len(ecs) {
				d.bits.over = true
				return 0, FormatError("short Huffman data")
			}
			acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
			pos += int((63 - n) >> 3)
			n |= 56
		}
		var rs uint8
		if v := acH.lut[acc>>(64-lutSize)]; v != 0 {
			rs, l = uint8(v>>8), uint(v&0xff)
		} else if rs, l = acH.slow(acc); l == 0 {
			return 0, FormatError("bad Huffman code")
		}
		acc <<= l
		n -= l
		r, s := uint(rs>>4), uint(rs&0x0f)
		if s == 0 {
			if r != 0x0f {
				break // End of block.
			}
			zig += 16
			if zig >= blockSize-1 {
				break
			}
			continue
		}
		zig += r + 1
		if zig >= blockSize {
			break
		}
		x := int32(acc >> (64 - s))
		acc <<= s
		n -= s
		if x < 1<<(s-1) {
			x += (-1 << s) + 1
		}
		e := tab[zig]
		b[e&63] += x * int32(e>>32)
		last = zig
		if zig == blockSize-1 {
			break
		}
	}
	d.bits.acc, d.bits.n, d.bits.pos = acc, n, pos
	return last, nil
}

// acFast decodes AC coefficients into b (as decodeBlock) from zig-zag
// index zig+1 on, as long as each symbol is in the table fast: it reports
// done at the end of the block, and returns early (done false) at a
// symbol the table does not hold or when the data in ecs runs out. last
// becomes non-zero once a coefficient is written. No calls, no error
// paths: the bit reader's state stays in registers.
func acFast(acc uint64, n uint, pos int, ecs []byte, fast *[1 << lutSize]fastEntry, tab *foldTab, b *block, zig, last uint) (uint64, uint, int, uint, uint, bool) {
	for zig < blockSize-1 {
		if n < 32 {
			if pos < 0 || pos+8 > len(ecs) {
				return acc, n, pos, zig, last, false
			}
			acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> (n & 63)
			pos += int((63 - n) >> 3)
			n |= 56
		}
		f := fast[acc>>(64-lutSize)]
		if f == 0 {
			return acc, n, pos, zig, last, false
		}
		l := f.bits()
		prev := acc
		acc <<= l
		n -= l
		zig += f.step1()
		if zig >= blockSize {
			break
		}
		e := tab[zig]
		b[e&63] += f.val1() * int32(e>>32)
		last = zig
		// The second symbol, if any: without one its step and value are
		// zero, and adding zero where the first went changes nothing.
		s2 := f.step2()
		if zig == blockSize-1 && s2 != 0 {
			// The block is full: the second symbol is the next block's.
			l1 := f.bits1()
			acc, n = prev<<l1, n+l-l1
			break
		}
		zig += s2
		e = tab[zig&63]
		b[e&63] += f.val2() * int32(e>>32)
	}
	return acc, n, pos, zig, last, true
}

// skipBlock parses past one sequential block that is not wanted.
func (d *decoder) skipBlock(dcH, acH *huffman) error {
	ecs := d.ecs
	acc, n, pos := d.bits.acc, d.bits.n, d.bits.pos
	if pos+8 > len(ecs) {
		d.bits.over = true
		return FormatError("short Huffman data")
	}
	acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
	pos += int((63 - n) >> 3)
	n |= 56
	t, l := dcH.lookup(acc)
	if l == 0 {
		return FormatError("bad Huffman code")
	}
	if t > 16 {
		return UnsupportedError("excessive DC component")
	}
	acc <<= l
	n -= l
	if n < 16 {
		if pos+8 > len(ecs) {
			d.bits.over = true
			return FormatError("short Huffman data")
		}
		acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
		pos += int((63 - n) >> 3)
		n |= 56
	}
	acc <<= t
	n -= uint(t)
	for zig := uint(0); zig < blockSize-1; {
		if n < 32 {
			if pos+8 > len(ecs) {
				d.bits.over = true
				return FormatError("short Huffman data")
			}
			acc |= binary.BigEndian.Uint64(ecs[pos:pos+8:pos+8]) >> n
			pos += int((63 - n) >> 3)
			n |= 56
		}
		idx := acc >> (64 - lutSize)
		if f := acH.fast[idx]; f != 0 {
			zig += f.step1()
			if zig == blockSize-1 && f.step2() != 0 {
				// The block is full: the second symbol is the next block's.
				acc <<= f.bits1()
				n -= f.bits1()
				break
			}
			acc <<= f.bits()
			n -= f.bits()
			zig += f.step2()
			continue
		}
		var rs uint8
		if v := acH.lut[idx]; v != 0 {
			rs, l = uint8(v>>8), uint(v&0xff)
		} else if rs, l = acH.slow(acc); l == 0 {
			return FormatError("bad Huffman code")
		}
		// As decodeBlock: a coefficient past the block ends it before
		// its value bits are read (the two must agree bit for bit).
		r, s := uint(rs>>4), uint(rs&0x0f)
		acc <<= l
		n -= l
		if s == 0 && r != 0x0f {
			break
		}
		zig += r + 1
		if zig >= blockSize {
			break
		}
		acc <<= s
		n -= s
	}
	d.bits.acc, d.bits.n, d.bits.pos = acc, n, pos
	return nil
}

// decodeProgressive decodes the first pass of a band of a progressive
// block (section G.1.2.1 and G.1.2.2), coefficients in natural order.
func (d *decoder) decodeProgressive(b *block, dc *int32, dcH, acH *huffman, zigStart, zigEnd int32, al uint32) error {
	zig := zigStart
	if zig == 0 {
		zig++
		// Decode the DC coefficient, as specified in section F.2.2.1.
		value, err := d.decodeHuffman(dcH)
		if err != nil {
			return err
		}
		if value > 16 {
			return UnsupportedError("excessive DC component")
		}
		*dc += d.receiveExtend(value)
		b[0] = *dc << al
	}

	if zig <= zigEnd && d.eobRun > 0 {
		d.eobRun--
		return nil
	}
	// Decode the AC coefficients, as specified in section F.2.2.2.
	for ; zig <= zigEnd; zig++ {
		value, err := d.decodeHuffman(acH)
		if err != nil {
			return err
		}
		val0 := value >> 4
		val1 := value & 0x0f
		if val1 != 0 {
			zig += int32(val0)
			if zig > zigEnd {
				break
			}
			b[unzig[zig]] = d.receiveExtend(val1) << al
		} else {
			if val0 != 0x0f {
				d.eobRun = uint16(1 << val0)
				if val0 != 0 {
					d.eobRun |= uint16(d.decodeBits(uint(val0)))
				}
				d.eobRun--
				break
			}
			zig += 0x0f
		}
	}
	return nil
}

// refine decodes a successive approximation refinement block, as specified in
// section G.1.2.
func (d *decoder) refine(b *block, h *huffman, zigStart, zigEnd, delta int32) error {
	// Refining a DC component is trivial.
	if zigStart == 0 {
		if zigEnd != 0 {
			panic("unreachable")
		}
		if d.decodeBit() {
			b[0] |= delta
		}
		return nil
	}

	// Refining AC components is more complicated; see sections G.1.2.2 and G.1.2.3.
	zig := zigStart
	if d.eobRun == 0 {
	loop:
		for ; zig <= zigEnd; zig++ {
			z := int32(0)
			value, err := d.decodeHuffman(h)
			if err != nil {
				return err
			}
			val0 := value >> 4
			val1 := value & 0x0f

			switch val1 {
			case 0:
				if val0 != 0x0f {
					d.eobRun = uint16(1 << val0)
					if val0 != 0 {
						d.eobRun |= uint16(d.decodeBits(uint(val0)))
					}
					break loop
				}
			case 1:
				z = delta
				if !d.decodeBit() {
					z = -z
				}
			default:
				return FormatError("unexpected Huffman code")
			}

			zig = d.refineNonZeroes(b, zig, zigEnd, int32(val0), delta)
			if zig > zigEnd {
				return FormatError("too many coefficients")
			}
			if z != 0 {
				b[unzig[zig]] = z
			}
		}
	}
	if d.eobRun > 0 {
		d.eobRun--
		d.refineNonZeroes(b, zig, zigEnd, -1, delta)
	}
	return nil
}

// refineNonZeroes refines non-zero entries of b in zig-zag order. If nz >= 0,
// the first nz zero entries are skipped over.
func (d *decoder) refineNonZeroes(b *block, zig, zigEnd, nz, delta int32) int32 {
	for ; zig <= zigEnd; zig++ {
		u := unzig[zig]
		if b[u] == 0 {
			if nz == 0 {
				break
			}
			nz--
			continue
		}
		if !d.decodeBit() {
			continue
		}
		if b[u] >= 0 {
			b[u] += delta
		} else {
			b[u] -= delta
		}
	}
	return zig
}

func (d *decoder) reconstructProgressiveImage() {
	// The h0, mxx, by and bx variables have the same meaning as in the
	// processSOS method.
	h0 := d.comp[0].h
	mxx := (d.width + 8*h0 - 1) / (8 * h0)
	for i := 0; i < d.nComp; i++ {
		if !d.needed(i) {
			continue
		}
		if !d.progUsed[i] {
			// No scan carried this component: image/jpeg leaves it zero.
			clear(d.planes[i])
			continue
		}
		qt := &d.quant[d.comp[i].tq]
		var tab foldTab
		makeFoldTab(&tab, qt, d.scale)
		v := 8 * d.comp[0].v / d.comp[i].v
		h := 8 * d.comp[0].h / d.comp[i].h
		stride := mxx * d.comp[i].h
		for by := 0; by*v < d.height; by++ {
			for bx := 0; bx*h < d.width; bx++ {
				b := &d.progCoeffs[i][by*stride+bx]
				// Dequantize (and fold, at a reduced scale) as the
				// sequential decoder does while decoding.
				var g block
				last := uint(0)
				for zig := range blockSize {
					if c := b[unzig[zig]]; c != 0 {
						e := tab[zig]
						g[e&63] += c * int32(e>>32)
						last = uint(zig)
					}
				}
				d.reconstructBlock(&g, last, bx, by, i)
			}
		}
	}
}

// reconstructBlock performs the (scaled) inverse DCT of the block b that
// decodeBlock wrote, whose last coefficient has zig-zag index last, and
// stores the pixels. At full scale b is overwritten.
func (d *decoder) reconstructBlock(b *block, last uint, bx, by, compIndex int) {
	stride := d.strides[compIndex]
	d.reconstruct(b, last, d.planes[compIndex][d.bs*(by*stride+bx):], stride)
}

// reconstruct is reconstructBlock into dst, the block's first pixel in a
// plane of the given stride.
func (d *decoder) reconstruct(b *block, last uint, dst []byte, stride int) {
	bs := d.bs
	if d.scale != 1 && (last == 0 || d.scale == 8) {
		// A flat block (or one pixel of a block): every pixel is the DC
		// level. (At full size the block goes through image/jpeg's IDCT,
		// so the output stays identical to it even for absurd
		// coefficients.)
		const round = 1<<(foldBits-1) + 128<<foldBits
		v := clamp64((int64(b[0]) + round) >> foldBits)
		for y := 0; y < bs; y++ {
			row := dst[y*stride : y*stride+bs]
			for x := range row {
				row[x] = v
			}
		}
		return
	}
	switch d.scale {
	case 2:
		idct4(b, dst, stride)
	case 4:
		idct2(b, dst, stride)
	default:
		// image/jpeg's IDCT, level shift and clipping.
		idctRows(b)
		idctColsStore(b, dst, stride)
	}
}

// nextRST expects the restart marker expected at d.pos; on corrupt input it
// looks further for it, as image/jpeg's findRST does.
func (d *decoder) nextRST(expected uint8) error {
	if d.pos+2 <= len(d.data) && d.data[d.pos] == 0xff && d.data[d.pos+1] == expected {
		d.pos += 2
		return nil
	}
	// This is similar to libjpeg's jdmarker.c's next_marker function: skip
	// data bytes (and stuffed 0xff00) to the next marker, which must be
	// the expected one. Any other marker is a fatal FormatError.
	for {
		i := bytes.IndexByte(d.data[d.pos:], 0xff)
		if i < 0 || d.pos+i+1 >= len(d.data) {
			d.pos = len(d.data)
			return errShort
		}
		d.pos += i + 1
		switch m := d.data[d.pos]; {
		case m == expected:
			d.pos++
			return nil
		case m == 0x00 || m == 0xff:
			// Stuffed data byte, or fill bytes before a marker.
		default:
			return FormatError("bad RST marker")
		}
	}
}

// skipScan moves d.pos to the first marker after the current scan's data
// that is not a restart marker.
func (d *decoder) skipScan() error {
	for {
		i := bytes.IndexByte(d.data[d.pos:], 0xff)
		if i < 0 || d.pos+i+1 >= len(d.data) {
			d.pos = len(d.data)
			return errShort
		}
		m := d.data[d.pos+i+1]
		if m == 0x00 || (rst0Marker <= m && m <= rst7Marker) {
			d.pos += i + 2
			continue
		}
		if m == 0xff {
			d.pos += i + 1
			continue
		}
		d.pos += i
		return nil
	}
}
