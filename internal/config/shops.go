package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/workflows/shopcheck"
)

// validateShops checks the shop verification settings.
func (c Config) validateShops() error {
	if _, err := c.ShopFetchAllowlist(); err != nil {
		return err
	}
	if c.ShopFetchTimeout < time.Second || c.ShopFetchTimeout > time.Minute {
		return errors.New("SHOP_FETCH_TIMEOUT: must be from 1s to 1m (for example 10s)")
	}
	if c.ShopCheckDelay < 0 || c.ShopCheckDelay > 24*time.Hour {
		return errors.New("SHOP_CHECK_DELAY: must be from 0s to 24h (for example 5m)")
	}
	return nil
}

// ShopFetchAllowlist parses ShopFetchAllow.
func (c Config) ShopFetchAllowlist() (shopcheck.Allowlist, error) {
	a, err := shopcheck.ParseAllowlist(c.ShopFetchAllow)
	if err != nil {
		return shopcheck.Allowlist{}, fmt.Errorf("SHOP_FETCH_ALLOW: %w", err)
	}
	return a, nil
}
