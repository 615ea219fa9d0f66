using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sesame.Client.Blazor;

namespace Sesame.Client.Blazor.Tests;

/// <summary>What <c>AddSesameBlazorClient</c> registers and what the credentials handler writes (no browser needed).</summary>
public sealed class BlazorRegistrationTests
{
    [Fact]
    public void Blazor_registration_uses_cookie_transfer_browser_store_web_locks_and_the_session_auth_state()
    {
        var services = new ServiceCollection();
        services.AddSesameBlazorClient(o => o.ApiDomain = "https://api.example.com");

        Assert.Equal(typeof(BrowserCookieTokenStore), Single<ITokenStore>(services).ImplementationType);
        Assert.Equal(typeof(WebLocksRefreshLock), Single<IRefreshLock>(services).ImplementationType);
        Assert.NotNull(Single<AuthenticationStateProvider>(services).ImplementationFactory);
        using var provider = services.BuildServiceProvider();
        Assert.Equal(TokenTransferMethod.Cookie, provider.GetRequiredService<IOptions<SesameClientOptions>>().Value.TokenTransferMethod);
    }

    [Fact]
    public void Blazor_options_with_a_zero_poll_interval_fail_validation()
    {
        var services = new ServiceCollection();
        services.AddSesameBlazorClient(o => o.ApiDomain = "https://api.example.com", b => b.SessionChangePollInterval = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SesameBlazorOptions>>().Value);
        Assert.Contains("SessionChangePollInterval", error.Message);
    }

    [Theory]
    [InlineData("https://api.example.com/api/me", "include")]
    [InlineData("https://api.example.com/auth/session/refresh", "include")]
    [InlineData("https://cdn.other.org/file.json", null)]
    public async Task Blazor_credentials_handler_includes_credentials_only_inside_the_session_scope(string url, string? expected)
    {
        var (invoker, recorder) = CreateInvoker();
        using var _ = invoker;
        using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), CancellationToken.None);
        Assert.Equal(expected, recorder.Credentials);
    }

    [Fact]
    public async Task Blazor_credentials_handler_keeps_the_callers_own_choice()
    {
        var (invoker, recorder) = CreateInvoker();
        using var _ = invoker;
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.example.com/api/me");
        Microsoft.AspNetCore.Components.WebAssembly.Http.WebAssemblyHttpRequestMessageExtensions.SetBrowserRequestCredentials(
            request, Microsoft.AspNetCore.Components.WebAssembly.Http.BrowserRequestCredentials.Omit);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        Assert.Equal("omit", recorder.Credentials);
    }

    private static ServiceDescriptor Single<T>(ServiceCollection services) => Assert.Single(services, d => d.ServiceType == typeof(T));

    private static (HttpMessageInvoker Invoker, FetchOptionsRecorder Recorder) CreateInvoker()
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "https://api.example.com");
        var coordinator = services.BuildServiceProvider().GetRequiredService<RefreshCoordinator>();
        var recorder = new FetchOptionsRecorder();
        return (new HttpMessageInvoker(new BrowserCredentialsHandler(coordinator) { InnerHandler = recorder }), recorder);
    }

    /// <summary>Stands in for the browser's fetch handler, which is the only reader of these options: records the fetch credentials mode.</summary>
    private sealed class FetchOptionsRecorder : HttpMessageHandler
    {
        public string? Credentials { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Credentials = request.Options.TryGetValue(new HttpRequestOptionsKey<IDictionary<string, object?>>("WebAssemblyFetchOptions"), out var fetch)
                && fetch.TryGetValue("credentials", out var mode) ? mode as string : null;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
