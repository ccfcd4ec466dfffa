package convert

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A deliberately small unpickler: it knows the opcodes torch.save emits for
// a state dict (protocols 2 to 5) and builds plain Go values. Globals are
// resolved by a caller-supplied whitelist; nothing is ever executed.

type pickleTuple []any

type pickleList struct{ items []any }

// pickleDict keeps insertion order, like collections.OrderedDict.
type pickleDict struct {
	keys []any
	m    map[any]any
}

func newPickleDict() *pickleDict { return &pickleDict{m: map[any]any{}} }

func (d *pickleDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil:
	default:
		return fmt.Errorf("dict key of type %T", k)
	}
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
	return nil
}

// pickleOpaque is an object of a whitelisted class that a training
// checkpoint keeps beside the state dict (its argparse.Namespace, a numpy
// scalar metric): built from nothing, its state dropped, never a tensor.
type pickleOpaque string

// pickleFunc is a whitelisted callable; REDUCE applies it to its arguments.
type pickleFunc func(args pickleTuple) (any, error)

// unpickler holds the machine state.
type unpickler struct {
	b      []byte
	pos    int
	stack  []any
	marks  []int
	memo   map[int]any
	global func(module, name string) (any, error)
	persid func(pid any) (any, error)
}

var errTruncated = errors.New("truncated")

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.b)-u.pos {
		return nil, errTruncated
	}
	p := u.b[u.pos : u.pos+n]
	u.pos += n
	return p, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	p, err := u.read(n)
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v, err
}

func (u *unpickler) line() (string, error) {
	i := bytes.IndexByte(u.b[u.pos:], '\n')
	if i < 0 {
		return "", errTruncated
	}
	s := string(u.b[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	if n == 0 || len(u.marks) > 0 && u.marks[len(u.marks)-1] == n {
		return nil, errors.New("stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, errors.New("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the items pushed since the last MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) popN(n int) ([]any, error) {
	items := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return items, nil
}

// unpickle runs data to its STOP and returns the result.
func unpickle(data []byte, global func(module, name string) (any, error), persid func(any) (any, error)) (any, error) {
	u := &unpickler{b: data, memo: map[int]any{}, global: global, persid: persid}
	for u.pos < len(u.b) {
		at := u.pos
		op := u.b[u.pos]
		u.pos++
		done, err := u.step(op)
		if err != nil {
			return nil, fmt.Errorf("pickle opcode %#02x at byte %d: %w", op, at, err)
		}
		if done {
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, fmt.Errorf("pickle STOP at byte %d with %d values on the stack", at, len(u.stack))
			}
			return u.stack[0], nil
		}
	}
	return nil, errors.New("pickle ends without STOP (truncated)")
}

// step executes one opcode; it returns true at STOP.
func (u *unpickler) step(op byte) (bool, error) {
	switch op {
	case 0x80: // PROTO
		p, err := u.read(1)
		if err == nil && p[0] > 5 {
			err = fmt.Errorf("pickle protocol %d", p[0])
		}
		return false, err
	case 0x95: // FRAME: a length hint only
		_, err := u.read(8)
		return false, err
	case '.': // STOP
		return true, nil
	case '(': // MARK
		u.marks = append(u.marks, len(u.stack))
	case ')': // EMPTY_TUPLE
		u.push(pickleTuple{})
	case ']': // EMPTY_LIST
		u.push(&pickleList{})
	case '}': // EMPTY_DICT
		u.push(newPickleDict())
	case 'N': // NONE
		u.push(nil)
	case 0x88, 0x89: // NEWTRUE, NEWFALSE
		u.push(op == 0x88)
	case 't': // TUPLE
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(pickleTuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		items, err := u.popN(int(op-0x85) + 1)
		if err != nil {
			return false, err
		}
		u.push(pickleTuple(items))
	case 'J', 'K', 'M': // BININT, BININT1, BININT2
		n := map[byte]int{'J': 4, 'K': 1, 'M': 2}[op]
		v, err := u.uint(n)
		if op == 'J' {
			u.push(int64(int32(v)))
		} else {
			u.push(int64(v))
		}
		return false, err
	case 0x8a: // LONG1
		return false, u.long1()
	case 'G': // BINFLOAT, big-endian
		p, err := u.read(8)
		if err == nil {
			u.push(math.Float64frombits(binary.BigEndian.Uint64(p)))
		}
		return false, err
	case 'X', 0x8c, 0x8d, 'T', 'U': // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING
		n := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'T': 4, 'U': 1}[op]
		l, err := u.uint(n)
		if err != nil {
			return false, err
		}
		if l > uint64(len(u.b)-u.pos) {
			return false, errTruncated
		}
		p, _ := u.read(int(l))
		u.push(string(p))
	case 'c': // GLOBAL
		mod, err := u.line()
		if err != nil {
			return false, err
		}
		name, err := u.line()
		if err != nil {
			return false, err
		}
		return false, u.pushGlobal(mod, name)
	case 0x93: // STACK_GLOBAL
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		mod, ok1 := v[0].(string)
		name, ok2 := v[1].(string)
		if !ok1 || !ok2 {
			return false, errors.New("STACK_GLOBAL of non-strings")
		}
		return false, u.pushGlobal(mod, name)
	case 'R': // REDUCE
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		if o, ok := v[0].(pickleOpaque); ok {
			u.push(o)
			return false, nil
		}
		f, ok1 := v[0].(pickleFunc)
		args, ok2 := v[1].(pickleTuple)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("REDUCE of %T with %T", v[0], v[1])
		}
		r, err := f(args)
		u.push(r)
		return false, err
	case 'b': // BUILD: only an OrderedDict's attributes (state_dict's _metadata), dropped
		state, err := u.pop()
		if err != nil {
			return false, err
		}
		obj, err := u.top()
		if err != nil {
			return false, err
		}
		if _, ok := obj.(pickleOpaque); ok {
			return false, nil
		}
		if _, ok := obj.(*pickleDict); !ok {
			return false, fmt.Errorf("BUILD on %T", obj)
		}
		if _, ok := state.(*pickleDict); !ok {
			return false, fmt.Errorf("BUILD with state %T", state)
		}
	case 0x81: // NEWOBJ: only of an opaque class
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		o, ok := v[0].(pickleOpaque)
		if !ok {
			return false, fmt.Errorf("NEWOBJ of %T", v[0])
		}
		u.push(o)
	case 'a': // APPEND
		v, err := u.pop()
		if err != nil {
			return false, err
		}
		return false, u.appendTo([]any{v})
	case 'e': // APPENDS
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		return false, u.appendTo(items)
	case 's': // SETITEM
		kv, err := u.popN(2)
		if err != nil {
			return false, err
		}
		return false, u.setItems(kv)
	case 'u': // SETITEMS
		kv, err := u.popMark()
		if err != nil {
			return false, err
		}
		return false, u.setItems(kv)
	case 'q', 'r', 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
		idx := uint64(len(u.memo))
		var err error
		if op != 0x94 {
			idx, err = u.uint(map[byte]int{'q': 1, 'r': 4}[op])
		}
		if err != nil {
			return false, err
		}
		v, err := u.top()
		u.memo[int(idx)] = v
		return false, err
	case 'h', 'j': // BINGET, LONG_BINGET
		idx, err := u.uint(map[byte]int{'h': 1, 'j': 4}[op])
		if err != nil {
			return false, err
		}
		v, ok := u.memo[int(idx)]
		if !ok {
			return false, fmt.Errorf("memo %d is empty", idx)
		}
		u.push(v)
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		v, err := u.persid(pid)
		u.push(v)
		return false, err
	default:
		return false, errors.New("not allowed in a state dict (re-save the model as safetensors)")
	}
	return false, nil
}

func (u *unpickler) long1() error {
	n, err := u.uint(1)
	if err != nil {
		return err
	}
	if n > 8 {
		return fmt.Errorf("%d-byte integer", n)
	}
	v, err := u.uint(int(n))
	if n > 0 && n < 8 && v>>(8*n-1)&1 == 1 { // sign-extend
		v |= ^uint64(0) << (8 * n)
	}
	u.push(int64(v))
	return err
}

func (u *unpickler) pushGlobal(mod, name string) error {
	g, err := u.global(mod, name)
	if rg := (*refusedGlobal)(nil); errors.As(err, &rg) {
		rg.root = len(u.stack) == 0 && len(u.marks) == 0
	}
	if err != nil {
		return err
	}
	u.push(g)
	return nil
}

func (u *unpickler) appendTo(items []any) error {
	obj, err := u.top()
	if err != nil {
		return err
	}
	l, ok := obj.(*pickleList)
	if !ok {
		return fmt.Errorf("append to %T", obj)
	}
	l.items = append(l.items, items...)
	return nil
}

func (u *unpickler) setItems(kv []any) error {
	obj, err := u.top()
	if err != nil {
		return err
	}
	d, ok := obj.(*pickleDict)
	if !ok || len(kv)%2 != 0 {
		return fmt.Errorf("set items on %T", obj)
	}
	for i := 0; i < len(kv); i += 2 {
		if err := d.set(kv[i], kv[i+1]); err != nil {
			return err
		}
	}
	return nil
}
