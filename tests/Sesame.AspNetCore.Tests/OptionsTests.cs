using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Options_bind_from_a_configuration_section_including_timespans_and_enums()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Session:AccessTokenLifetime"] = "00:00:03",
            ["Session:SessionExpiredStatusCode"] = "440",
            ["Session:AntiCsrf"] = "ViaToken",
            ["Session:CookieSameSite"] = "Strict",
            ["Session:DatabasePath"] = "x.db",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSesame(configuration.GetSection("Session"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SesameServerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(3), options.AccessTokenLifetime);
        Assert.Equal(440, options.SessionExpiredStatusCode);
        Assert.Equal(AntiCsrfMode.ViaToken, options.AntiCsrf);
        Assert.Equal(SameSiteMode.Strict, options.CookieSameSite);
        Assert.Equal("x.db", options.DatabasePath);
    }

    [Fact]
    public void Authentication_events_on_the_scheme_options_are_refused_at_start_instead_of_silently_never_called()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSesame();
        services.Configure<SesameAuthenticationOptions>(SesameDefaults.AuthenticationScheme, o => o.Events = new object());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptionsMonitor<SesameAuthenticationOptions>>().Get(SesameDefaults.AuthenticationScheme));
        Assert.Contains(error.Failures, f => f.Contains("SesameServerOptions.Events", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_options_report_every_problem_at_once()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSesame(o =>
        {
            o.AccessTokenLifetime = TimeSpan.Zero;
            o.ApiBasePath = "auth";
            o.ApiDomain = "not a url";
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SesameServerOptions>>().Value);
        Assert.Contains(error.Failures, f => f.Contains("AccessTokenLifetime", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApiBasePath", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApiDomain", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_single_setting_rule_keeps_its_message()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSesame(o =>
        {
            o.RefreshTokenLifetime = TimeSpan.Zero;
            o.SigningKeyRotationInterval = TimeSpan.FromSeconds(-1);
            o.RefreshTokenKeyRotationInterval = TimeSpan.Zero;
            o.KeyReloadInterval = TimeSpan.FromHours(2);
            o.SessionExpiredStatusCode = 399;
            o.InvalidClaimStatusCode = 600;
            o.ApiBasePath = " ";
            o.DatabasePath = "";
            o.Events = null!;
            o.ClaimMapping = null!;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SesameServerOptions>>().Value);
        string[] expected =
        [
            "Session:RefreshTokenLifetime must be positive.",
            "Session:SigningKeyRotationInterval must be positive.",
            "Session:RefreshTokenKeyRotationInterval must be positive.",
            "Session:KeyReloadInterval must be between 00:00:01 and 01:00:00",
            "Session:SessionExpiredStatusCode must be a 4xx or 5xx status.",
            "Session:InvalidClaimStatusCode must be a 4xx or 5xx status.",
            "Session:ApiBasePath must start with '/'",
            "Session:DatabasePath must not be empty.",
            "Session:Events must not be null.",
            "Session:ClaimMapping must not be null.",
        ];
        foreach (var message in expected)
        {
            Assert.Contains(error.Failures, f => f.Contains(message, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(error.Failures, f => f.Contains("AccessTokenLifetime", StringComparison.Ordinal));
    }

    [Fact]
    public void Calling_add_sesame_twice_registers_the_scheme_once()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSesame();
        services.AddSesame(o => o.SessionExpiredStatusCode = 440);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(440, provider.GetRequiredService<IOptions<SesameServerOptions>>().Value.SessionExpiredStatusCode);
        Assert.Single(provider.GetServices<ISessionService>());
    }

    [Fact]
    public void Cors_helper_lists_the_protocol_headers()
    {
        Assert.Equal(["rid", "fdi-version", "anti-csrf", "authorization", "st-auth-mode", "content-type"], SesameDefaults.CorsAllowedHeaders);
        Assert.Equal(["front-token", "anti-csrf", "st-access-token", "st-refresh-token"], SesameDefaults.CorsExposedHeaders);
        var policy = new Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder().WithOrigins("http://a.test").WithSesameHeaders().Build();
        Assert.Contains("front-token", policy.ExposedHeaders);
        Assert.Contains("st-auth-mode", policy.Headers);
    }
}
