package posapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// encoding/json takes the last of two equal names and matches names
// without regard to case, so {"amount":1,"Amount":100} would charge 100.
// A POS sending either has a bug that must surface before money moves;
// checkNames refuses both, and a body that is not an object at all.

// nameError is a body whose JSON is valid but whose names are not the
// schema's.
type nameError struct{ msg string }

func (e *nameError) Error() string { return e.msg }

// checkObject refuses a body whose top-level value is not an object.
// Invalid JSON is left to the decoder, which names the syntax error.
func checkObject(body []byte) error {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 || b[0] == '{' || !json.Valid(body) {
		return nil
	}
	kind := "a string"
	switch b[0] {
	case '[':
		kind = "an array"
	case 't', 'f':
		kind = "true or false"
	case 'n':
		kind = "null"
	case '"':
	default:
		kind = "a number"
	}
	return &nameError{fmt.Sprintf("the body must be a JSON object, not %s: send {\"field\": value, …} (see GET /openapi.json)", kind)}
}

// checkNames walks a valid JSON value against the Go type it will be
// decoded into: a name given twice in one object, or a name that matches
// a field only when case is ignored, is refused.
func checkNames(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkValue(dec, t, "")
	var ne *nameError
	if errors.As(err, &ne) {
		return err
	}
	return nil // syntax problems are the decoder's to report
}

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := kt.(string)
			where := name
			if path != "" {
				where = path + "." + name
			}
			if seen[name] {
				return &nameError{fmt.Sprintf("field %q is given twice: send each field once", where)}
			}
			seen[name] = true
			var ft reflect.Type
			if fields != nil {
				var exact bool
				ft, exact = fields[name]
				if !exact {
					for fn := range fields {
						if strings.EqualFold(fn, name) {
							return &nameError{fmt.Sprintf("field %q: write it as %q (field names are case-sensitive)", where, joinPath(path, fn))}
						}
					}
				}
			}
			if err := walkValue(dec, ft, where); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonFields are a struct's JSON names (encoding/json's rules for tags,
// "-" and embedded structs) and their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, typ := range jsonFields(ft) {
					if _, ok := out[n]; !ok {
						out[n] = typ
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
