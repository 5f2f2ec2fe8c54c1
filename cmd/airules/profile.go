package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileFlags are the hidden --profile-cpu and --profile-mem of every command: how the
// figures in the README's Performance section were explained (go tool pprof FILE).
type profileFlags struct {
	cpu, mem string
	cpuFile  *os.File
}

func (p *profileFlags) register(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&p.cpu, "profile-cpu", "", "write a CPU profile of the whole run to `FILE`")
	f.StringVar(&p.mem, "profile-mem", "", "write a heap profile (as of the last collection) at the end of the run to `FILE`")
	_ = f.MarkHidden("profile-cpu")
	_ = f.MarkHidden("profile-mem")
}

// start begins the CPU profile, if asked for.
func (p *profileFlags) start() error {
	if p.cpu == "" {
		return nil
	}
	f, err := os.Create(p.cpu)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("profile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile, if asked for.
func (p *profileFlags) stop() error {
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		if err := p.cpuFile.Close(); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		p.cpuFile = nil
	}
	if p.mem == "" {
		return nil
	}
	f, err := os.Create(p.mem)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer f.Close()
	// No collection first: the profile is the heap as of the last one, which for a
	// server is while it was serving, not after it let everything go.
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}
