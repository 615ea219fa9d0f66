using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;
using Sesame.Testing.Server;

namespace Sesame.Client.Tests;

/// <summary>Request decoration and interception scope (docs/protocol/refresh.md#request-decoration, #interception-scope), body replay, and handler registration.</summary>
public sealed class RequestTests
{
    private static HttpRequestMessage Headers(string url = "/headers") => new(HttpMethod.Get, url);

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "J76")]
    public async Task Custom_header_reaches_the_server_logged_in_and_after_logout(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/testing");
            request.Headers.Add("testing", "testValue");
            using var response = await h.Api.SendAsync(request);
            Assert.Equal("testValue", response.Headers.GetValues("testing").Single());
            Assert.Equal("success", await response.Content.ReadAsStringAsync());
            await h.Session.SignOutAsync();
        }
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "J77")]
    public async Task Rid_is_sent(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        Assert.Equal((200, "success"), await h.GetAsync("/check-rid"));
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "J78")]
    public async Task User_headers_kept_user_rid_wins_only_own_headers()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();

        using var first = Headers();
        first.Headers.Add("asdf", "123");
        var seen = await h.HeadersSeenAsync(first);
        Assert.Equal("123", seen.GetProperty("asdf").GetString());
        Assert.Equal("anti-csrf", seen.GetProperty("rid").GetString());
        Assert.Equal("header", seen.GetProperty("st-auth-mode").GetString());

        using var second = Headers();
        second.Headers.Add("rid", "custom");
        seen = await h.HeadersSeenAsync(second);
        Assert.Equal("custom", seen.GetProperty("rid").GetString());
        Assert.False(seen.TryGetProperty("asdf", out _));
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "K84")]
    public async Task User_authorization_equal_to_our_expired_token_is_replaced_by_the_fresh_one_any_casing()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        var stale = h.Store.Current.AccessToken!;
        h.ExpireAccessToken();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("authOriZation", "Bearer " + stale);
        using var response = await h.Api.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "K85")]
    public async Task User_authorization_matching_a_revoked_session_gets_401_one_refresh_attempt()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { RefreshToken = "asdf" }, default);
        h.ExpireAccessToken();
        var attempted = h.Server.RefreshAttemptedCount;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", h.Store.Current.AccessToken);
        using var response = await h.Api.SendAsync(request);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(attempted + 1, h.Server.RefreshAttemptedCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "K86")]
    public async Task User_own_authorization_is_forwarded(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();
        using var request = Headers();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "myOwnHehe");

        var seen = await h.HeadersSeenAsync(request);

        Assert.Equal("Bearer myOwnHehe", seen.GetProperty("authorization").GetString());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "K87")]
    public async Task Stored_access_token_without_refresh_token_user_header_equal_to_it_is_forwarded()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Cookie);
        await h.LoginAsync();
        await h.Store.UpdateAsync(t => t with { AccessToken = "myOwnHehe", RefreshToken = null }, default);
        using var request = Headers();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "myOwnHehe");

        var seen = await h.HeadersSeenAsync(request);

        Assert.Equal("Bearer myOwnHehe", seen.GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task Header_mode_authorization_carries_the_stored_access_token()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        var seen = await h.HeadersSeenAsync(Headers());
        Assert.Equal("Bearer " + h.Store.Current.AccessToken, seen.GetProperty("authorization").GetString());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "L91")]
    public async Task Other_host_not_intercepted()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        var otherHost = new UriBuilder(h.Server.BaseAddress) { Host = "localhost", Path = "/headers" }.Uri;

        var seen = await h.HeadersSeenAsync(new HttpRequestMessage(HttpMethod.Get, otherHost));

        Assert.False(seen.TryGetProperty("rid", out _));
        Assert.False(seen.TryGetProperty("authorization", out _));
        Assert.False(seen.TryGetProperty("st-auth-mode", out _));
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "L91")]
    public async Task Session_token_backend_domain_extends_the_scope()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.SessionTokenBackendDomain = "localhost");
        await h.LoginAsync();
        var otherHost = new UriBuilder(h.Server.BaseAddress) { Host = "localhost", Path = "/headers" }.Uri;

        var seen = await h.HeadersSeenAsync(new HttpRequestMessage(HttpMethod.Get, otherHost));

        Assert.Equal("anti-csrf", seen.GetProperty("rid").GetString());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "L94")]
    public async Task Do_not_do_interception_marker_login_not_intercepted()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        using var response = await h.Api.PostAsJsonAsync("/login#superTokensDoNotDoInterception", new { userId = "alice" });
        Assert.Equal("alice", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, h.Server.RefreshAttemptedCount);
        Assert.Null(h.Store.Current.FrontToken);
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "L95")]
    public async Task Should_intercept_override_decides()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: o => o.ShouldIntercept = u => u.Query.Contains("doOverride", StringComparison.Ordinal));
        var plain = await h.HeadersSeenAsync(Headers());
        var overridden = await h.HeadersSeenAsync(Headers("/headers?doOverride"));
        Assert.False(plain.TryGetProperty("rid", out _));
        Assert.Equal("anti-csrf", overridden.GetProperty("rid").GetString());
    }

    public static TheoryData<string> BodyKinds => new() { "json", "form", "multipart", "binary", "stream" };

    [Theory]
    [MemberData(nameof(BodyKinds))]
    public async Task Bodies_replayed_byte_identical_after_expiry(string kind)
    {
        foreach (var method in new[] { TokenTransferMethod.Header, TokenTransferMethod.Cookie })
        {
            await using var h = await ClientHarness.StartAsync(method);
            await h.LoginAsync();
            h.ExpireAccessToken();
            var binary = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31 % 256)).ToArray();
            using HttpContent content = kind switch
            {
                "json" => JsonContent.Create(new { name = "łukasz", items = new[] { 1, 2, 3 } }),
                "form" => new FormUrlEncodedContent([new("a", "1"), new("b", "x y&z")]),
                "multipart" => new MultipartFormDataContent("boundary-42") { { new StringContent("field"), "f" }, { new ByteArrayContent(binary), "file", "f.bin" } },
                "binary" => new ByteArrayContent(binary) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
                _ => new StreamContent(new NonSeekableStream(binary)) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-custom") } },
            };

            // What the body serialises to, computed independently of the handler.
            var expected = kind == "stream" ? binary : await Serialise(kind, binary);

            using var response = await h.Api.PostAsync("/echo", content);

            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(content.Headers.ContentType!.ToString(), response.Content.Headers.ContentType!.ToString());
            Assert.Equal(1, h.Server.RefreshCalledCount);
        }
    }

    [Fact]
    public async Task Non_replayable_stream_do_not_buffer_refreshes_then_throws_a_clear_error()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo") { Content = new StreamContent(new NonSeekableStream([1, 2, 3])) };
        request.Options.Set(SessionRequestOptions.DoNotBufferContent, true);

        var error = await Assert.ThrowsAsync<NonReplayableContentException>(() => h.Api.SendAsync(request));

        Assert.Contains("cannot be re-sent", error.Message);
        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.True(await h.Session.DoesSessionExistAsync());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "N104")]
    public async Task Handler_added_twice_and_to_all_clients_refreshes_exactly_once()
    {
        await using var h = await ClientHarness.StartAsync(
            TokenTransferMethod.Header,
            client: null,
            server: null,
            services: s => s.AddSessionHandlerToAllHttpClients(),
            api: b => b.AddSessionHandler().AddSessionHandler());
        await h.LoginAsync();
        h.ExpireAccessToken();

        Assert.Equal((200, "alice"), await h.GetAsync("/"));
        await h.Session.SignOutAsync();

        Assert.Equal(1, h.Server.RefreshCalledCount);
        Assert.False(await h.Session.DoesSessionExistAsync());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "N104")]
    public async Task Two_session_handlers_in_one_pipeline_still_one_refresh()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        h.ExpireAccessToken();
        using var invoker = new HttpMessageInvoker(new SessionHandler(h.Coordinator) { InnerHandler = new SessionHandler(h.Coordinator) { InnerHandler = new SocketsHttpHandler() } });

        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(h.Server.BaseAddress, "/")), default);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Theory]
    [MemberData(nameof(TransferMethods.Both), MemberType = typeof(TransferMethods))]
    [Trait("ReferenceSuiteItem", "N104")]
    public async Task Second_session_handler_hidden_behind_a_wrapper_session_is_sent_once(TokenTransferMethod method)
    {
        await using var h = await ClientHarness.StartAsync(method);
        await h.LoginAsync();

        // The wrapper hides the inner session handler from the outer one's chain: only the mark on the request makes it pass through.
        using var invoker = new HttpMessageInvoker(new SessionHandler(h.Coordinator)
        {
            InnerHandler = new OpaqueHandler(new SessionHandler(h.Coordinator) { InnerHandler = new SocketsHttpHandler { UseCookies = false } }),
        });
        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(h.Server.BaseAddress, "/headers")), TestContext.Current.CancellationToken);
        var seen = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal("anti-csrf", seen.GetProperty("rid").GetString());
        Assert.Equal(method == TokenTransferMethod.Cookie ? "cookie" : "header", seen.GetProperty("st-auth-mode").GetString());
        if (method == TokenTransferMethod.Header)
        {
            Assert.Equal("Bearer " + h.Store.Current.AccessToken, seen.GetProperty("authorization").GetString());
        }
        else
        {
            var cookie = seen.GetProperty("cookie").GetString()!;
            Assert.Single(cookie.Split("; "), c => c.StartsWith("sAccessToken=", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Copy_of_a_finished_requests_headers_is_handled_as_a_new_request_and_refreshes()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        await h.LoginAsync();
        using var first = new HttpRequestMessage(HttpMethod.Get, "/");
        using (var firstResponse = await h.Api.SendAsync(first, TestContext.Current.CancellationToken))
        {
            Assert.Equal(200, (int)firstResponse.StatusCode);
        }

        h.ExpireAccessToken();
        using var copy = new HttpRequestMessage(HttpMethod.Get, "/");
        foreach (var header in first.Headers.NonValidated)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        // The copy carries the first request's st-auth-mode value: it must not pass for a request a session handler is sending.
        using var response = await h.Api.SendAsync(copy, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, h.Server.RefreshCalledCount);
    }

    [Fact]
    public async Task Interceptor_mode_all_clients_out_of_scope_untouched_in_scope_handled()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header, client: null, server: null, services: s => s.AddSessionHandlerToAllHttpClients(), api: null);
        await h.LoginAsync();
        var other = h.Services.GetRequiredService<IHttpClientFactory>().CreateClient("other");

        using var inScope = await other.GetAsync(new Uri(h.Server.BaseAddress, "/headers"));
        using var outOfScope = await other.GetAsync(new UriBuilder(h.Server.BaseAddress) { Host = "localhost", Path = "/headers" }.Uri);

        Assert.Equal("anti-csrf", (await inScope.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rid").GetString());
        Assert.False((await outOfScope.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("rid", out _));
    }

    [Fact]
    public async Task Sync_send_is_not_supported()
    {
        await using var h = await ClientHarness.StartAsync(TokenTransferMethod.Header);
        Assert.Throws<NotSupportedException>(() => h.Api.Send(new HttpRequestMessage(HttpMethod.Get, "/")));
    }

    private static async Task<byte[]> Serialise(string kind, byte[] binary)
    {
        using HttpContent content = kind switch
        {
            "json" => JsonContent.Create(new { name = "łukasz", items = new[] { 1, 2, 3 } }),
            "form" => new FormUrlEncodedContent([new("a", "1"), new("b", "x y&z")]),
            "multipart" => new MultipartFormDataContent("boundary-42") { { new StringContent("field"), "f" }, { new ByteArrayContent(binary), "file", "f.bin" } },
            _ => new ByteArrayContent(binary),
        };
        return await content.ReadAsByteArrayAsync();
    }

    /// <summary>A stream that can be read once, forwards only (what a network or pipe stream is).</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
