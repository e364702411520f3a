// Command vmfabric-vcsim is vmfabric's vCenter simulator harness: "serve" runs govmomi's
// vcsim with an inventory built from a lab topology file (tests/sim/TOPOLOGY.md) and with
// the simulator's gaps that matter to vmfabric closed; the other subcommands are govmomi
// clients that change or print that inventory. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage reports bad arguments whose message and usage have already been printed.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 1
		}
		return 0
	}
	var err error
	if args[0] == "serve" {
		err = cmdServe(args[1:], stdout, stderr)
	} else if cmd := lookupCommand(args[0]); cmd != nil {
		err = cmd.execute(args[1:], stdout, stderr)
	} else {
		fmt.Fprintf(stderr, "vmfabric-vcsim: unknown command %q\n", args[0])
		usage(stderr)
		return 1
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case !errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "vmfabric-vcsim %s: %v\n", args[0], err)
	}
	return 1
}

func lookupCommand(name string) *clientCommand {
	for _, c := range clientCommands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: vmfabric-vcsim COMMAND [flags] [ARGS]\n\ncommands:\n")
	fmt.Fprintf(w, "  %-22s %s\n", "serve", "run a simulated vCenter built from --topology FILE")
	for _, c := range clientCommands() {
		fmt.Fprintf(w, "  %-22s %s\n", c.name+" "+c.args, c.help)
	}
	fmt.Fprintf(w, "\n\"vmfabric-vcsim COMMAND -h\" lists the command's flags.\n")
}

// parseArgs parses flags placed anywhere among the arguments and returns the positional
// ones; want is their required number, or -1 for any.
func parseArgs(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage // the flag package printed the problem and the usage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if want >= 0 && len(positional) != want {
		fmt.Fprintf(fs.Output(), "vmfabric-vcsim %s: want %d arguments, got %d\n", fs.Name(), want, len(positional))
		fs.Usage()
		return nil, errUsage
	}
	return positional, nil
}
