package models

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations/*.sql
var migrations embed.FS

// PoolConfig sizes the connection pool.
type PoolConfig struct {
	// MaxOpenConns caps open connections. Defaults to 20.
	MaxOpenConns int
	// ConnMaxLifetime recycles connections. Defaults to 30 minutes. After a
	// failover, connections to a server that is still up but no longer the
	// primary (a demoted one) are dropped at the latest after this long.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections left idle this long. Defaults to
	// 5 minutes.
	ConnMaxIdleTime time.Duration
}

// DefaultConnectTimeout bounds each connection attempt when the URL sets no
// connect_timeout, so that a host of a multi-host DATABASE_URL that is down
// without refusing (a dead machine) costs seconds, not the system's TCP
// timeout, before the next host is tried.
const DefaultConnectTimeout = "5"

// withConnectTimeout adds connect_timeout to a postgres:// URL that has none;
// key=value DSNs are returned as they are.
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn
	}
	q := u.Query()
	if q.Has("connect_timeout") {
		return dsn
	}
	q.Set("connect_timeout", DefaultConnectTimeout)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to Postgres through GORM (pgx underneath) with
// TranslateError on, so duplicate keys surface as gorm.ErrDuplicatedKey.
//
// dsn may list several hosts (postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write):
// pgx tries them in order for each new connection and keeps the first that
// qualifies, so after a promotion new connections reach the new primary.
// Connections to the old one are discarded: pgx marks a connection closed on
// a network error, and checks (pings) one idle for over a second before
// database/sql hands it out again; a failed check discards it.
func Open(ctx context.Context, dsn string, pool PoolConfig) (*gorm.DB, error) {
	if pool.MaxOpenConns == 0 {
		pool.MaxOpenConns = 20
	}
	if pool.ConnMaxLifetime == 0 {
		pool.ConnMaxLifetime = 30 * time.Minute
	}
	if pool.ConnMaxIdleTime == 0 {
		pool.ConnMaxIdleTime = 5 * time.Minute
	}
	db, err := gorm.Open(postgres.Open(withConnectTimeout(dsn)), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB.SetMaxOpenConns(pool.MaxOpenConns)
	sqlDB.SetMaxIdleConns(pool.MaxOpenConns)
	sqlDB.SetConnMaxLifetime(pool.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(pool.ConnMaxIdleTime)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	return db, nil
}

// Close closes the pool behind db.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Migrate applies every embedded migration not yet applied, in the schema
// that the connection's search_path names first.
func Migrate(ctx context.Context, db *gorm.DB, log *slog.Logger) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Out-of-order application lets migrations written on parallel branches
	// land in any order; each is still applied exactly once.
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, mustSub(migrations, "migrations"),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, dsn string) (created bool, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return false, fmt.Errorf("parse database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return false, errors.New("database url names no database")
	}
	admin := *u
	admin.Path = "/postgres"
	q := admin.Query()
	q.Del("search_path")
	admin.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, withConnectTimeout(admin.String()))
	if err != nil {
		return false, fmt.Errorf("connect to maintenance database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: another process won the race
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}
