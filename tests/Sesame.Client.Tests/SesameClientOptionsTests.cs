using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sesame.Client;
using Sesame.Client.Internal;

namespace Sesame.Client.Tests;

/// <summary>Client options: normalisation of the API domain and base path, validation at start-up, and what the builder registers.</summary>
public sealed class SesameClientOptionsTests
{
    [Theory]
    [InlineData("example.com", "/", "https://example.com/session/refresh")]
    [InlineData("example.com", "/some/path/", "https://example.com/some/path/session/refresh")]
    [InlineData("localhost", null, "http://localhost/auth/session/refresh")]
    [InlineData("localhost:9000", null, "http://localhost:9000/auth/session/refresh")]
    [InlineData("https://localhost:9000", null, "https://localhost:9000/auth/session/refresh")]
    [InlineData("127.0.0.1:5000", null, "http://127.0.0.1:5000/auth/session/refresh")]
    [InlineData("https://api.example.com/ignored/path", "auth", "https://api.example.com/auth/session/refresh")]
    [Trait("ReferenceSuiteItem", "A8")]
    public void Api_domain_and_base_path_are_normalised(string domain, string? basePath, string refresh)
    {
        var options = new SesameClientOptions { ApiDomain = domain };
        if (basePath is not null)
        {
            options.ApiBasePath = basePath;
        }

        Assert.Equal(refresh, SessionEndpoints.Resolve(options).RefreshUri.ToString());
    }

    [Fact]
    [Trait("ReferenceSuiteItem", "A8")]
    public void Defaults_and_402_kept()
    {
        var options = new SesameClientOptions { ApiDomain = "example.com", SessionExpiredStatusCode = 402 };
        Assert.Equal("/auth", options.ApiBasePath);
        Assert.Equal(TokenTransferMethod.Header, options.TokenTransferMethod);
        Assert.Equal(10, options.MaxRetryAttemptsForSessionRefresh);
        Assert.True(new SesameClientOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("https://example.com/auth/signout", SessionEndpoints.Resolve(options).SignOutUri!.ToString());
    }

    [Fact]
    public void Validation_collects_every_error()
    {
        var result = new SesameClientOptionsValidator().Validate(null, new SesameClientOptions
        {
            SessionExpiredStatusCode = 403,
            MaxRetryAttemptsForSessionRefresh = -1,
            Protocol = SessionProtocol.Legacy,
        });

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("cannot be equal", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxRetryAttemptsForSessionRefresh", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("RefreshTokenUrl is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ApiDomain is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_reports_the_attribute_rules_with_the_others()
    {
        var result = new SesameClientOptionsValidator().Validate(null, new SesameClientOptions
        {
            ApiDomain = "https://api.example.com",
            ApiBasePath = null!,
            SessionExpiredStatusCode = 42,
            InterceptionScope = (InterceptionScopeRule)99,
            RefreshLockWaitTimeout = TimeSpan.Zero,
        });

        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("ApiBasePath cannot be null", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("SessionExpiredStatusCode must be an HTTP status (100-599)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("InterceptionScope must be one of", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("RefreshLockWaitTimeout must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_runs_when_the_client_is_resolved()
    {
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "/relative/only");
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<RefreshCoordinator>());
        Assert.Contains("is not a valid domain", error.Message);
    }

    [Fact]
    public void Builder_use_file_token_store_brings_the_cross_process_lock()
    {
        var path = Path.Combine(Path.GetTempPath(), "sesame-tests", Guid.NewGuid().ToString("N"), "tokens.json");
        var services = new ServiceCollection();
        services.AddSesameClient(o => o.ApiDomain = "example.com").UseFileTokenStore(path);
        using var provider = services.BuildServiceProvider();
        Assert.IsType<FileTokenStore>(provider.GetRequiredService<ITokenStore>());
        Assert.IsType<FileRefreshLock>(provider.GetRequiredService<IRefreshLock>());
        Assert.IsType<InProcessRefreshLock>(new ServiceCollection().AddSesameClient(o => o.ApiDomain = "x.com").Services.BuildServiceProvider().GetRequiredService<IRefreshLock>());
    }
}
