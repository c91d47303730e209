//go:build !windows

package hooks

import (
	"context"
	"os/exec"
)

// command starts argv as it is: the kernel runs a script by its #! line.
func command(ctx context.Context, argv []string) (*exec.Cmd, error) {
	return exec.CommandContext(ctx, argv[0], argv[1:]...), nil
}
