package main

import (
	"strings"

	"github.com/higress-group/wasm-go/pkg/wrapper"
)

type RedisConfig struct {
	client    wrapper.RedisClient
	keyPrefix string
	lastUser  string
	lookups   int
}

// WG000: a syntax error; the rest of the file is still analysed.
func (config RedisConfig) key(user string) string {
	return config.keyPrefix + user +
}

// WG201: a value receiver; the assignment is made on a copy and lost.
func (config RedisConfig) BlackProcess(user string) {
	config.lastUser = strings.ToLower(user)
}

func (config *RedisConfig) Reset() {
	config.lookups = 0
}
