// Package openapiclient is a POS API client generated from
// docs/openapi.json by oapi-codegen (pinned as a tool in go.mod), kept
// to prove the document is usable: its tests regenerate it (any drift
// from the document fails) and pay through it against the real binary.
//
// It owns no code of its own and must not be edited by hand; scanpay's
// packages must not use it.
package openapiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../docs/openapi.json
