package workers_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTimes is the CPU time used so far by this process and by every
// postgres and redis-server process on the machine (Linux /proc), for a
// benchmark to say where a side's CPU went.
type cpuTimes struct{ self, postgres, redis time.Duration }

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's times.
const clockTick = 10 * time.Millisecond

func readCPUTimes() cpuTimes {
	var c cpuTimes
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime is field 14, stime 15; comm may
		// hold spaces, so split after its closing parenthesis.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		used := time.Duration(utime+stime) * clockTick
		switch comm := s[open+1 : end]; {
		case comm == "postgres":
			c.postgres += used
		case strings.HasPrefix(comm, "redis-server"):
			c.redis += used
		}
	}
	return c
}

// since is the CPU used between c and now.
func (c cpuTimes) since() cpuTimes {
	now := readCPUTimes()
	return cpuTimes{self: now.self - c.self, postgres: now.postgres - c.postgres, redis: now.redis - c.redis}
}
