using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore;

/// <summary>
/// The Sesame scheme's options, read once and refreshed when they change, so the handler (one per request) looks nothing up.
/// </summary>
internal sealed class SesameAuthenticationOptionsCache : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile SesameAuthenticationOptions _current;

    public SesameAuthenticationOptionsCache(IOptionsMonitor<SesameAuthenticationOptions> monitor)
    {
        _current = monitor.Get(SesameDefaults.AuthenticationScheme);
        _subscription = monitor.OnChange((changed, name) =>
        {
            if (string.Equals(name, SesameDefaults.AuthenticationScheme, StringComparison.Ordinal))
            {
                _current = changed;
            }
        });
    }

    public SesameAuthenticationOptions Current => _current;

    public void Dispose() => _subscription?.Dispose();
}
