// Package lenient holds the JSON scalar types the gateway's wallets parse
// their answers with: documented types are loose ("stringstring"), and
// public client code shows numbers where strings are documented and the
// other way round, so a value is accepted in any unambiguous spelling.
// Anything ambiguous (a fraction of a dollar, a word that is no boolean)
// is still an error, which callers treat as an unknown outcome.
//
// It must not know any wallet's fields.
package lenient
