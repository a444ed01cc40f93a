package config

import (
	"fmt"
	"net"
	"net/netip"
)

// checkLoopback accepts an empty address or a host:port whose host is a
// loopback IP (or localhost): profiles reveal memory contents and must
// never be reachable from the network.
func checkLoopback(name, addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%s: %q is not host:port (for example 127.0.0.1:6060)", name, addr)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: %q must listen on a loopback address such as 127.0.0.1, never on the network", name, addr)
	}
	return nil
}
