using System.Diagnostics.Metrics;

using Microsoft.Extensions.Logging;

namespace Sesame.Client.Internal;

/// <summary>Builds a client's object graph once, for DI and for the explicit API alike.</summary>
internal static class SesameClientComposition
{
    public static RefreshCoordinator CreateCoordinator(
        SesameClientOptions options, ITokenStore store, IRefreshLock refreshLock, Func<HttpMessageInvoker> refreshInvoker, TimeProvider time, ILoggerFactory? loggerFactory,
        IMeterFactory? meterFactory = null)
    {
        var endpoints = SessionEndpoints.Resolve(options);
        ISessionDialect dialect = options.Protocol == SessionProtocol.Legacy
            ? new LegacyDialect(options, endpoints, time)
            : new CurrentDialect(options, endpoints, time);
        var logger = loggerFactory?.CreateLogger<RefreshCoordinator>();
        var events = new SessionEventSource(options.OnSessionEvent, (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return new RefreshCoordinator(options, dialect, store, refreshLock, new RefreshTransport(refreshInvoker, options.RefreshRequestTimeout), events, time, logger,
            new SesameClientMetrics(meterFactory));
    }

    public static ISessionClient CreateSessionClient(RefreshCoordinator coordinator, Func<HttpMessageInvoker> transport) =>
        new SessionClient(coordinator, new HttpMessageInvoker(new SessionHandler(coordinator) { InnerHandler = new InvokerHandler(transport) }, disposeHandler: true));

}
