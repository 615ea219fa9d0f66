namespace Sesame.Client;

/// <summary>Session events of one client (also available as <see cref="SesameClientOptions.OnSessionEvent"/>).</summary>
public interface ISessionEvents
{
    /// <summary>Raised for every session event, in protocol order. Handlers run on the thread that caused the event; exceptions are logged and ignored.</summary>
    event EventHandler<SessionEvent>? EventRaised;
}
