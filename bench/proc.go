package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The two cores: servers run on serverCPU, every load generator (and this
// program) on loadCPU.
const (
	loadCPU   = 0
	serverCPU = 1
)

// clockTicks is USER_HZ, the unit of /proc/stat and /proc/<pid>/stat times.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// proc is a started server: its process group holds every process it
// forks (nginx's worker), so stopping the group stops them all.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // valid after done
	log  *os.File
}

// procs tracks every server started, so that all are stopped on every way
// out, including an interrupt.
type procs struct {
	mu      sync.Mutex
	running []*proc
}

// start runs argv pinned to serverCPU in a process group of its own, with
// output to logPath.
func (ps *procs) start(name string, argv, env []string, logPath string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	full := append([]string{"taskset", "-c", strconv.Itoa(serverCPU)}, argv...)
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// If this program dies without cleaning up, the kernel kills
		// the server (taskset execs it, so it is this very process).
		Pdeathsig: syscall.SIGKILL,
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: logf}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	ps.mu.Lock()
	ps.running = append(ps.running, p)
	ps.mu.Unlock()
	return p, nil
}

// pid is the server's main process.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the main process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the server's whole process group: SIGTERM (a graceful stop for
// all four servers), then SIGKILL after ten seconds. It fails if any
// process of the group is still alive afterwards.
func (ps *procs) stop(p *proc) error {
	pgid := p.pid() // Setpgid: the group id is the leader's pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// nginx's worker may outlive its master by a moment.
	deadline := time.Now().Add(5 * time.Second)
	for len(groupMembers(pgid)) > 0 {
		if time.Now().After(deadline) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			if left := groupMembers(pgid); len(left) > 0 {
				return fmt.Errorf("%s: processes %v still running after SIGKILL", p.name, left)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.log.Close()
	ps.mu.Lock()
	for i, q := range ps.running {
		if q == p {
			ps.running = append(ps.running[:i], ps.running[i+1:]...)
			break
		}
	}
	ps.mu.Unlock()
	return nil
}

// stopAll stops every server still running.
func (ps *procs) stopAll() error {
	ps.mu.Lock()
	left := append([]*proc(nil), ps.running...)
	ps.mu.Unlock()
	var errs []error
	for _, p := range left {
		errs = append(errs, ps.stop(p))
	}
	return errors.Join(errs...)
}

// procStat is what dashbox-bench reads from /proc/<pid>/stat.
type procStat struct {
	pid, pgrp    int
	state        byte
	utime, stime uint64 // clock ticks
}

// readProcStat parses /proc/<pid>/stat. The command name may hold spaces
// and parentheses, so fields are counted from the last ')'.
func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(pid, string(b))
}

func parseProcStat(pid int, s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	// After ") ": state(3) ppid(4) pgrp(5) ... utime(14) stime(15).
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	st := procStat{pid: pid, state: f[0][0]}
	var err1, err2, err3 error
	st.pgrp, err1 = strconv.Atoi(f[2])
	st.utime, err2 = strconv.ParseUint(f[11], 10, 64)
	st.stime, err3 = strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return st, nil
}

// groupMembers lists the live (non-zombie) processes of process group pgid.
func groupMembers(pgid int) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.pgrp != pgid || st.state == 'Z' || st.state == 'X' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// groupCPUTicks is the CPU time (user + system) every live process of the
// group has used.
func groupCPUTicks(pgid int) uint64 {
	var t uint64
	for _, pid := range groupMembers(pgid) {
		if st, err := readProcStat(pid); err == nil {
			t += st.utime + st.stime
		}
	}
	return t
}

// selfCPUTicks is this program's CPU time (user + system), the handshake
// client's included.
func selfCPUTicks() uint64 {
	st, err := readProcStat(os.Getpid())
	if err != nil {
		return 0
	}
	return st.utime + st.stime
}

// groupRSSKiB sums VmRSS over the group's processes, and counts them.
func groupRSSKiB(pgid int) (kib int64, n int, err error) {
	for _, pid := range groupMembers(pgid) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			continue // exited meanwhile
		}
		v, ok := statusField(string(b), "VmRSS")
		if !ok {
			continue // a kernel thread or a zombie
		}
		kib += v
		n++
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("process group %d has no live process", pgid)
	}
	return kib, n, nil
}

// statusField reads a "Name:   123 kB" line of /proc/<pid>/status.
func statusField(status, name string) (int64, bool) {
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		return n, err == nil
	}
	return 0, false
}

// cpuTimes is one core's line of /proc/stat, in clock ticks.
type cpuTimes struct {
	user, nice, system, idle, iowait, irq, softirq, steal uint64
}

// busy is the time the core worked: user, nice, system, irq and softirq
// (the kernel's network work on loopback lands in softirq). Idle, iowait
// and steal are not busy; guest time is already in user.
func (c cpuTimes) busy() uint64 { return c.user + c.nice + c.system + c.irq + c.softirq }

// sub returns the ticks from c0 to c.
func (c cpuTimes) sub(c0 cpuTimes) cpuTimes {
	return cpuTimes{c.user - c0.user, c.nice - c0.nice, c.system - c0.system, c.idle - c0.idle,
		c.iowait - c0.iowait, c.irq - c0.irq, c.softirq - c0.softirq, c.steal - c0.steal}
}

// readCPU reads one core's times from /proc/stat.
func readCPU(cpu int) (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	return parseCPU(string(b), cpu)
}

func parseCPU(stat string, cpu int) (cpuTimes, error) {
	want := "cpu" + strconv.Itoa(cpu)
	for _, line := range strings.Split(stat, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != want {
			continue
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("/proc/stat %s: %w", want, err)
			}
			v[i] = n
		}
		return cpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}, nil
	}
	return cpuTimes{}, fmt.Errorf("/proc/stat has no %s line: this benchmark needs two cores", want)
}

// allowedCPUs reads this process's affinity, such as "0-1" or "0".
func allowedCPUs() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == "Cpus_allowed_list" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
