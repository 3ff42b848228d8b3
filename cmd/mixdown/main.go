// Command mixdown analyzes, converts, mixes and masters audio. See
// README.md and `mixdown --help`.
package main

import (
	"os"

	"github.com/mixdown/mixdown/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
