namespace System.Management.Automation;

public abstract class Cmdlet
{
    protected virtual void BeginProcessing() { }
    protected virtual void ProcessRecord() { }
    protected virtual void EndProcessing() { }
    protected virtual void StopProcessing() { }
}

public abstract class PSCmdlet : Cmdlet { }

public struct SwitchParameter
{
    public SwitchParameter(bool isPresent) => IsPresent = isPresent;
    public bool IsPresent { get; }
}

public sealed class PSModuleInfo { }

public interface IModuleAssemblyInitializer
{
    void OnImport();
}

public interface IModuleAssemblyCleanup
{
    void OnRemove(PSModuleInfo psModuleInfo);
}
