package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
)

// readTokenFile reads the POS API's bearer token, created by the daemon at
// its first start.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &config.Error{Err: fmt.Errorf("cannot read the API token %s (%v): start scanpay once so it creates the file, run as a user who may read it, or pass --token-file", path, err)}
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", &config.Error{Err: fmt.Errorf("the API token file %s is empty: delete it and restart scanpay to create a new one", path)}
	}
	return t, nil
}
