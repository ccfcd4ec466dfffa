//go:build !purego

package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// An emulator of the AMX assembly, so that it is checked on every amd64
// CPU, not only where AMX runs. It executes the machine code of this test
// binary as GNU objdump disassembles it (the bytes that run, decoded by an
// independent tool), instruction by instruction, with the tile
// instructions' semantics taken from the Go twins (amxBF16Generic,
// amxI8Generic: one TDPBF16PS or TDPBUSD is one step of them), and fails on
// any instruction it does not know, any memory access outside the slices
// passed in, any tile instruction that would fault (#UD: unconfigured
// tiles, mismatched shapes) and a return with the tiles not released.

// emuInsn is one disassembled instruction.
type emuInsn struct {
	addr uint64
	op   string
	args []string
}

var (
	emuMu    sync.Mutex
	emuFuncs = map[string][]emuInsn{}
)

// emuDisasm returns the instructions of the assembly function fn (ABI0,
// reached through the ABIInternal wrapper a Go func value points to),
// disassembled by objdump from this test binary; it skips the test where
// objdump is missing or does not know AMX. (`go test` links without the
// ELF symbol table, so functions are found by address: the runtime's own
// table gives each one's extent.)
func emuDisasm(t *testing.T, fn any) []emuInsn {
	t.Helper()
	emuMu.Lock()
	defer emuMu.Unlock()
	wrapper := reflect.ValueOf(fn).Pointer()
	name := runtime.FuncForPC(wrapper).Name()
	if code, ok := emuFuncs[name]; ok {
		return code
	}
	var entry uint64
	for _, in := range objdump(t, uint64(wrapper), funcEnd(wrapper)) {
		if in.op == "call" && len(in.args) == 1 {
			entry, _ = strconv.ParseUint(strings.TrimPrefix(in.args[0], "0x"), 16, 64)
			break
		}
	}
	if f := runtime.FuncForPC(uintptr(entry)); f == nil || f.Entry() != uintptr(entry) || f.Name() != name {
		t.Fatalf("%s: no call of its ABI0 body in the wrapper", name)
	}
	code := objdump(t, entry, funcEnd(uintptr(entry)))
	emuFuncs[name] = code
	return code
}

// funcEnd is the address after the function that contains pc.
func funcEnd(pc uintptr) uint64 {
	f := runtime.FuncForPC(pc)
	end := f.Entry()
	for runtime.FuncForPC(end) == f && end < f.Entry()+1<<16 {
		end++
	}
	return uint64(end)
}

// objdump disassembles this test binary's bytes from start to stop.
func objdump(t *testing.T, start, stop uint64) []emuInsn {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("objdump", "-d", "-M", "intel", "--no-show-raw-insn",
		fmt.Sprintf("--start-address=%#x", start), fmt.Sprintf("--stop-address=%#x", stop), exe).Output()
	if err != nil {
		t.Skipf("no objdump to check the AMX assembly with: %v", err)
	}
	var code []emuInsn
	for _, line := range strings.Split(string(out), "\n") {
		addr, rest, ok := strings.Cut(strings.TrimSpace(line), ":\t")
		if !ok {
			continue
		}
		a, err := strconv.ParseUint(addr, 16, 64)
		if err != nil {
			continue
		}
		if i := strings.Index(rest, " <"); i >= 0 {
			rest = rest[:i] // a jump's symbolic target
		}
		op, operands, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if op == "(bad)" {
			t.Skipf("objdump does not know AMX: %q", line)
		}
		in := emuInsn{addr: a, op: op}
		if operands = strings.TrimSpace(operands); operands != "" {
			in.args = strings.Split(operands, ",")
		}
		code = append(code, in)
	}
	if len(code) == 0 {
		t.Fatalf("objdump found no instructions at %#x", start)
	}
	return code
}

// emuRegion is memory the emulated code may touch.
type emuRegion struct {
	base uintptr
	b    []byte
	name string
}

// emuTile is one tile register: its configured rows and bytes per row,
// and 16 rows of 64 bytes.
type emuTile struct {
	rows, colsb int
	d           [16][64]byte
}

// emu is the machine state.
type emu struct {
	t          *testing.T
	name       string
	reg        map[string]uint64
	zf         bool
	mem        []emuRegion
	tiles      [8]emuTile
	configured bool
	steps      int // instructions run
}

// bytesOf is the memory of s as bytes.
func bytesOf[T any](s []T) []byte {
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// emuRun runs the assembly function fn with the ABI0 argument frame
// frame (its bytes from 0(FP)), touching only the regions given, and
// returns the number of instructions it ran.
func emuRun(t *testing.T, fn any, frame []byte, regions ...emuRegion) int {
	t.Helper()
	code := emuDisasm(t, fn)
	at := make(map[uint64]int, len(code))
	for i, in := range code {
		at[in.addr] = i
	}
	stack := make([]byte, 8+len(frame))
	copy(stack[8:], frame)
	e := &emu{t: t, name: runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name(), reg: map[string]uint64{}}
	e.mem = append(regions, emuRegion{uintptr(unsafe.Pointer(&stack[0])), stack, "argument frame"})
	e.reg["rsp"] = uint64(uintptr(unsafe.Pointer(&stack[0])))
	for pc := 0; ; {
		if pc < 0 || pc >= len(code) {
			e.fail(code[len(code)-1], "ran off the function")
		}
		in := code[pc]
		e.steps++
		if e.steps > 50_000_000 {
			e.fail(in, "more than 50 M instructions")
		}
		next, done := e.exec(in)
		if done {
			if e.configured {
				e.fail(in, "returned without TILERELEASE")
			}
			return e.steps
		}
		if next == 0 {
			pc++
			continue
		}
		i, ok := at[next]
		if !ok {
			e.fail(in, fmt.Sprintf("jump to %#x, outside the function", next))
		}
		pc = i
	}
}

func (e *emu) fail(in emuInsn, msg string) {
	e.t.Helper()
	e.t.Fatalf("%s at %#x %s %s: %s", e.name, in.addr, in.op, strings.Join(in.args, ","), msg)
}

// exec runs one instruction: next is a jump's target (0: fall through),
// done is RET.
func (e *emu) exec(in emuInsn) (next uint64, done bool) {
	need := func(n int) {
		if len(in.args) != n {
			e.fail(in, fmt.Sprintf("want %d operands", n))
		}
	}
	switch in.op {
	case "mov":
		need(2)
		e.setReg(in, in.args[0], e.value(in, in.args[1]))
	case "add", "sub", "shl", "imul":
		need(2)
		d, s := e.value(in, in.args[0]), e.value(in, in.args[1])
		switch in.op {
		case "add":
			d += s
		case "sub":
			d -= s
		case "shl":
			d <<= s & 63
		case "imul":
			d *= s
		}
		e.setReg(in, in.args[0], d)
		e.zf = d == 0
	case "dec":
		need(1)
		d := e.value(in, in.args[0]) - 1
		e.setReg(in, in.args[0], d)
		e.zf = d == 0
	case "cmp":
		need(2)
		e.zf = e.value(in, in.args[0]) == e.value(in, in.args[1])
	case "jmp", "je", "jne":
		need(1)
		target, err := strconv.ParseUint(strings.TrimPrefix(in.args[0], "0x"), 16, 64)
		if err != nil {
			e.fail(in, "jump target")
		}
		if in.op == "jmp" || (in.op == "je") == e.zf {
			return target, false
		}
	case "ret":
		return 0, true
	default:
		e.amx(in)
	}
	return 0, false
}

// amx runs a tile instruction.
func (e *emu) amx(in emuInsn) {
	switch in.op {
	case "ldtilecfg":
		cfg := e.load(in, e.addr(in, in.args[0]), 64)
		if cfg[0] != 1 || cfg[1] != 0 {
			e.fail(in, "palette must be 1, start_row 0")
		}
		for i := range e.tiles {
			rows, colsb := int(cfg[48+i]), int(binary.LittleEndian.Uint16(cfg[16+2*i:]))
			if rows > 16 || colsb > 64 || colsb%4 != 0 || (rows == 0) != (colsb == 0) {
				e.fail(in, fmt.Sprintf("tile %d: %d rows of %d bytes", i, rows, colsb))
			}
			e.tiles[i] = emuTile{rows: rows, colsb: colsb}
		}
		e.configured = true
	case "tilerelease":
		e.tiles, e.configured = [8]emuTile{}, false
	case "tilezero":
		tl := e.tile(in, in.args[0])
		tl.d = [16][64]byte{}
	case "tileloadd", "tileloaddt1":
		tl := e.tile(in, in.args[0])
		base, stride := e.tileAddr(in, in.args[1])
		tl.d = [16][64]byte{}
		for r := range tl.rows {
			copy(tl.d[r][:], e.load(in, base+uint64(r)*stride, tl.colsb))
		}
	case "tilestored":
		tl := e.tile(in, in.args[1])
		base, stride := e.tileAddr(in, in.args[0])
		for r := range tl.rows {
			copy(e.load(in, base+uint64(r)*stride, tl.colsb), tl.d[r][:tl.colsb])
		}
	case "tdpbf16ps", "tdpbusd":
		c, a, b := e.tile(in, in.args[0]), e.tile(in, in.args[1]), e.tile(in, in.args[2])
		if a.rows != c.rows || b.colsb != c.colsb || a.colsb/4 != b.rows {
			e.fail(in, fmt.Sprintf("#UD: C %d×%d, A %d×%d, B %d×%d bytes", c.rows, c.colsb, a.rows, a.colsb, b.rows, b.colsb))
		}
		dot := emuDotI8
		if in.op == "tdpbf16ps" {
			dot = emuDotBF16
		}
		for m := range c.rows {
			for n := range c.colsb / 4 {
				c.setDword(m, n, dot(c.dword(m, n), a, b, m, n))
			}
		}
	default:
		e.fail(in, "instruction the emulator does not know")
	}
}

// emuDotBF16 is one TDPBF16PS element as amxBF16Generic's step.
func emuDotBF16(acc uint32, a, b *emuTile, m, n int) uint32 {
	var ev, od float32
	for k := range a.colsb / 4 {
		ap, bp := a.dword(m, k), b.dword(k, n)
		ev = ftz(ev + daz(uint16(ap))*daz(uint16(bp)))
		od = ftz(od + daz(uint16(ap>>16))*daz(uint16(bp>>16)))
	}
	t := ftz(math.Float32frombits(acc))
	return math.Float32bits(ftz(t + ftz(ev+od)))
}

// emuDotI8 is one TDPBUSD element: u8 A, s8 B, int32 sums.
func emuDotI8(acc uint32, a, b *emuTile, m, n int) uint32 {
	t := int32(acc)
	for k := range a.colsb / 4 {
		ag, bg := a.dword(m, k), b.dword(k, n)
		for q := range 4 {
			t += int32(uint8(ag>>(8*q))) * int32(int8(bg>>(8*q)))
		}
	}
	return uint32(t)
}

func (tl *emuTile) dword(r, i int) uint32 { return binary.LittleEndian.Uint32(tl.d[r][4*i:]) }

func (tl *emuTile) setDword(r, i int, v uint32) { binary.LittleEndian.PutUint32(tl.d[r][4*i:], v) }

// tile is the configured tile register named by s ("tmm3").
func (e *emu) tile(in emuInsn, s string) *emuTile {
	i, err := strconv.Atoi(strings.TrimPrefix(s, "tmm"))
	if err != nil || !strings.HasPrefix(s, "tmm") || i < 0 || i > 7 {
		e.fail(in, "not a tile register: "+s)
	}
	if !e.configured || e.tiles[i].rows == 0 {
		e.fail(in, fmt.Sprintf("#UD: tmm%d not configured", i))
	}
	return &e.tiles[i]
}

// tileAddr evaluates a tile memory operand [base+index*1+disp]: the
// address of row 0 and the row stride (the index register).
func (e *emu) tileAddr(in emuInsn, s string) (base, stride uint64) {
	inner, ok := strings.CutPrefix(s, "[")
	if inner, ok = strings.CutSuffix(inner, "]"); !ok {
		e.fail(in, "tile operand "+s)
	}
	for _, term := range strings.Split(inner, "+") {
		switch {
		case strings.HasSuffix(term, "*1"):
			stride = e.value(in, strings.TrimSuffix(term, "*1"))
		default:
			base += e.value(in, term)
		}
	}
	return base, stride
}

// value evaluates a register, an immediate or a memory operand.
func (e *emu) value(in emuInsn, s string) uint64 {
	if size, addr, ok := e.memOperand(in, s); ok {
		b := e.load(in, addr, size)
		var v uint64
		for i := size - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "-0x") {
		v, err := strconv.ParseInt(strings.Replace(s, "0x", "", 1), 16, 64)
		if err != nil {
			e.fail(in, "immediate "+s)
		}
		return uint64(v)
	}
	r, ok := emuReg64(s)
	if !ok {
		e.fail(in, "operand "+s)
	}
	v := e.reg[r]
	if r != s { // a 32-bit name: the low half
		v &= math.MaxUint32
	}
	return v
}

// setReg writes a register; a 32-bit name zeroes the upper half, as x86-64 does.
func (e *emu) setReg(in emuInsn, s string, v uint64) {
	r, ok := emuReg64(s)
	if !ok {
		e.fail(in, "destination "+s)
	}
	if r != s {
		v &= math.MaxUint32
	}
	e.reg[r] = v
}

// emuReg64 is the 64-bit register of a 64- or 32-bit register name.
func emuReg64(s string) (string, bool) {
	switch s {
	case "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15":
		return s, true
	case "eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp":
		return "r" + s[1:], true
	}
	if strings.HasPrefix(s, "r") && strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(s[1 : len(s)-1]); err == nil && n >= 8 && n <= 15 {
			return s[:len(s)-1], true
		}
	}
	return "", false
}

// memOperand parses "QWORD PTR [rsp+0x8]" and "BYTE PTR [...]".
func (e *emu) memOperand(in emuInsn, s string) (size int, addr uint64, ok bool) {
	sizes := map[string]int{"BYTE PTR ": 1, "WORD PTR ": 2, "DWORD PTR ": 4, "QWORD PTR ": 8}
	for p, n := range sizes {
		if rest, found := strings.CutPrefix(s, p); found {
			return n, e.addr(in, rest), true
		}
	}
	return 0, 0, false
}

// addr evaluates [reg], [reg+disp] and [reg+reg*1(+disp)].
func (e *emu) addr(in emuInsn, s string) uint64 {
	base, stride := e.tileAddr(in, s)
	if stride != 0 {
		e.fail(in, "scaled index outside a tile operand")
	}
	return base
}

// load is the n bytes at addr, which must lie in one region.
func (e *emu) load(in emuInsn, addr uint64, n int) []byte {
	for _, r := range e.mem {
		if addr >= uint64(r.base) && addr+uint64(n) <= uint64(r.base)+uint64(len(r.b)) {
			off := addr - uint64(r.base)
			return r.b[off : off+uint64(n)]
		}
	}
	e.fail(in, fmt.Sprintf("%d bytes at %#x are outside every slice passed in", n, addr))
	return nil
}

// emuFrame lays out ABI0 arguments: each at the next multiple of its
// size; pointers and ints take 8 bytes, bools 1.
func emuFrame(args ...any) []byte {
	var f []byte
	put := func(v uint64, n int) {
		for len(f)%n != 0 {
			f = append(f, 0)
		}
		for i := range n {
			f = append(f, byte(v>>(8*i)))
		}
	}
	for _, a := range args {
		switch v := a.(type) {
		case int:
			put(uint64(v), 8)
		case unsafe.Pointer:
			put(uint64(uintptr(v)), 8)
		case bool:
			b := uint64(0)
			if v {
				b = 1
			}
			put(b, 1)
		default:
			panic(fmt.Sprintf("emuFrame: %T", a))
		}
	}
	return f
}

// TestAMXAsmEmulated runs amxBF16Asm and amxI8Asm in the emulator on the
// shapes of TestAMXCallsExact with normal random values, A as rows with
// a padded stride, as tiles, and in an odd layout, and wants the twins'
// bits, including every float of c outside the call's tiles (it must stay
// as it was); the emulator fails on any read or write outside a, b, c and
// the tile configuration.
func TestAMXAsmEmulated(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, sh := range amxCallShapes {
		for _, acc := range []bool{false, true} {
			c0 := newAMXCallCase(r, sh.s, sh.nblk, sh.steps, acc, false)
			tiles := amxTilesA(sh.steps * amxTile)
			for _, c := range []*amxCallCase{c0, c0.relaid(tiles), c0.relaid(amxA{21, 700, 20000})} {
				name := fmt.Sprintf("%+v nblk=%d steps=%d acc=%v layout=%+v", sh.s, sh.nblk, sh.steps, acc, c.l)
				emuCheckCall(t, r, c, name)
			}
		}
	}
}

// emuCheckCall compares one bf16 and one int8 call in the emulator with the twins.
func emuCheckCall(t *testing.T, r *rand.Rand, c *amxCallCase, name string) {
	t.Helper()
	emuCheckOne(t, c, "bf16 "+name, amxBF16Asm, func(f []float32) { amxBF16Generic(c.s, c.nblk, c.steps, c.a, c.l, c.b, f, nr+8, c.acc) },
		func() float32 { return float32(r.NormFloat64()) })
	emuCheckOne(t, c, "int8 "+name, amxI8Asm, func(f []int32) { amxI8Generic(c.s, c.nblk, c.steps, c.a, c.l, c.b, f, nr+8, c.acc) },
		func() int32 { return int32(r.Uint32()) })
}

// emuCheckOne runs the assembly fn in the emulator and its twin on copies
// of one c of row stride nr+8 filled by val, and wants the same bits.
func emuCheckOne[T float32 | int32](t *testing.T, c *amxCallCase, name string, fn any, twin func([]T), val func() T) {
	t.Helper()
	cfg := c.s.config()
	want := make([]T, len(c.c0)/nr*(nr+8))
	for i := range want {
		want[i] = val()
	}
	got := slicesClone(want)
	twin(want)
	emuRun(t, fn, emuFrame(unsafe.Pointer(&cfg), c.nblk, c.steps, unsafe.Pointer(&c.a[0]), c.l.row, c.l.step, c.l.block,
		unsafe.Pointer(&c.b[0]), unsafe.Pointer(&got[0]), nr+8, c.acc, c.s.rows1 > 0),
		emuRegion{uintptr(unsafe.Pointer(&cfg)), cfg[:], "cfg"},
		emuRegion{uintptr(unsafe.Pointer(&c.a[0])), bytesOf(c.a), "a"},
		emuRegion{uintptr(unsafe.Pointer(&c.b[0])), bytesOf(c.b), "b"},
		emuRegion{uintptr(unsafe.Pointer(&got[0])), bytesOf(got), "c"})
	gb, wb := bytesOf(got), bytesOf(want)
	for i := 0; i < len(gb); i += 4 {
		if string(gb[i:i+4]) != string(wb[i:i+4]) {
			t.Fatalf("%s: c[%d] = %v, twin gave %v", name, i/4, got[i/4], want[i/4])
		}
	}
}
