// A small blacklist plugin with a few real pitfalls, for a first run of
// wasm-go-lint. Each pitfall is marked with the rule that reports it.
package main

import (
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"
	"github.com/tidwall/gjson"
	"github.com/tidwall/resp"
)

func main() {}

func init() {
	wrapper.SetCtx(
		"redis-blacklist",
		wrapper.ParseConfigBy(parseConfig),
		wrapper.ProcessRequestHeadersBy(onHttpRequestHeaders),
	)
}

func parseConfig(json gjson.Result, config *RedisConfig, log log.Log) error {
	config.keyPrefix = json.Get("keyPrefix").String()
	config.client = wrapper.NewRedisClusterClient(wrapper.FQDNCluster{
		FQDN: json.Get("serviceName").String(),
		Port: json.Get("servicePort").Int(),
	})
	return config.client.Init("", json.Get("password").String(), 1000)
}

func onHttpRequestHeaders(ctx wrapper.HttpContext, config RedisConfig, log log.Log) types.Action {
	user, _ := proxywasm.GetHttpRequestHeader("x-user")
	config.BlackProcess(user)
	started := time.Now()
	err := config.client.Get(config.keyPrefix+user, func(response resp.Value) {
		log.Debugf("blacklist lookup took %s", time.Since(started))
		if response.Error() == nil && response.Integer() == 1 {
			_ = proxywasm.SendHttpResponse(403, nil, []byte("blocked"), -1)
			return
		}
		_ = proxywasm.ResumeHttpRequest()
	})
	if err != nil {
		retryLater(config)
		return types.ActionContinue
	}
	return types.HeaderStopAllIterationAndWatermark
	// WG101: this never runs; resuming does not re-enter the handler.
	_ = proxywasm.AddHttpRequestHeader("x-blacklist-checked", "1")
	return types.ActionContinue
}

func retryLater(config RedisConfig) {
	// WG401 and WG402: no goroutines or sleeping inside a wasm VM;
	// WG202: the config is a per-request copy.
	go func() {
		time.Sleep(100 * time.Millisecond)
		config.lookups++
	}()
}
