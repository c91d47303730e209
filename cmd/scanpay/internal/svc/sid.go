package svc

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// ServiceSID is the SID Windows gives the service's virtual account
// (NT SERVICE\<name>): S-1-5-80 followed by the SHA-1 of the upper-cased
// name in UTF-16LE, read as five little-endian 32-bit numbers. Known
// before the service exists, so the MSI can name it in an access list
// (packaging/windows) before InstallServices runs.
func ServiceSID(name string) string {
	u := utf16.Encode([]rune(strings.ToUpper(name)))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	sum := sha1.Sum(b)
	s := "S-1-5-80"
	for i := 0; i < 5; i++ {
		s += fmt.Sprintf("-%d", binary.LittleEndian.Uint32(sum[4*i:]))
	}
	return s
}
