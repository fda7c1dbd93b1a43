using System.Management.Automation;
using OutlookOAuth.Mail.Receiving;

namespace OutlookOAuth.Commands;

/// <summary>
/// <para type="synopsis">Saves the attachments of received mail into a folder, safely: never a path the sender chose.</para>
/// <para type="description">Takes what Receive-OutlookMail outputs (or a MimeKit message, or one MIME part) from the pipeline.
/// Each attachment's name is made safe (any folder part such as ../../ or C:\ removed, control and reserved characters
/// replaced, reserved names such as CON prefixed, at most 200 bytes with the extension kept, "attachment" when empty), and
/// unique in the folder: a name already taken becomes "name (2).ext", so no file is ever overwritten, unless -Force, which
/// replaces a file of that name from before (two attachments of one run still never share a name). The content is decoded
/// to a temporary file, flushed and closed, then renamed into place, owner-only (0600). Outputs one FileInfo per file, with
/// AttachmentName (the name the sender gave) and MessageId. A destination that is a file or cannot be written stops the
/// command before anything is saved.</para>
/// </summary>
/// <example><code>Receive-OutlookMail -Name inbox@example.com | Save-OutlookMailAttachment -Destination ./files -ErrorAction Stop</code><para>Files every new message's attachments; under -ErrorAction Stop a file that cannot be saved stops the pipeline, so that message stays unread.</para></example>
/// <example><code>Receive-OutlookMail -Name inbox@example.com -Peek | ForEach-Object { $_.Message.Attachments | Where-Object FileName -like *.pdf } | Save-OutlookMailAttachment ./pdf -WhatIf</code><para>Shows where the PDF attachments would be saved, changing nothing.</para></example>
[Cmdlet(VerbsData.Save, "OutlookMailAttachment", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class SaveOutlookMailAttachmentCommand : PSCmdlet
{
    /// <summary>A received message (Receive-OutlookMail), a MimeKit MimeMessage, or one MIME part (an attachment).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>The folder to save into; created owner-only when missing.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Replace a file of the same name from before, instead of saving under a new name "name (2).ext".</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    AttachmentSaver? _saver;
    bool _prepared;

    protected override void BeginProcessing()
    {
        var folder = GetUnresolvedProviderPathFromPSPath(Destination);
        try { DestinationFolder.CheckNotFile(folder); }
        catch (OutlookOAuthException e) { ThrowTerminatingError(OutlookCmdlet.ToErrorRecord(e, folder)); }
        _saver = new AttachmentSaver(folder, Force);
    }

    protected override void ProcessRecord()
    {
        var input = InputObject?.BaseObject;
        IReadOnlyList<MailAttachment> attachments;
        try { attachments = AttachmentSaver.AttachmentsOf(input); }
        catch (OutlookOAuthException e) { WriteError(OutlookCmdlet.ToErrorRecord(e, input)); return; }
        foreach (var attachment in attachments)
        {
            if (!ShouldSave(_saver!.PlannedPath(attachment), attachment.SenderName)) continue;
            try
            {
                if (!_prepared) DestinationFolder.Prepare(_saver.Folder);
                _prepared = true;
                var file = PSObject.AsPSObject(_saver.Save(attachment));
                file.Properties.Add(new PSNoteProperty("AttachmentName", attachment.SenderName));
                file.Properties.Add(new PSNoteProperty("MessageId", attachment.MessageId));
                WriteObject(file);
            }
            catch (OutlookOAuthException e) when (e.ErrorId != "AttachmentNotSaved") { ThrowTerminatingError(OutlookCmdlet.ToErrorRecord(e, _saver.Folder)); }
            catch (OutlookOAuthException e) { WriteError(OutlookCmdlet.ToErrorRecord(e, attachment)); }
        }
    }

    /// <summary>ShouldProcess that never prompts a session without a person (see OutlookCmdlet.ShouldProcess).</summary>
    bool ShouldSave(string path, string? senderName)
    {
        var action = $"Save attachment '{senderName ?? "(no name)"}'";
        if (Interaction.ConfirmationWouldPrompt(this) && !Interaction.PersonPresent(Host))
            ThrowTerminatingError(OutlookCmdlet.ConfirmationNotPossible(MyInvocation.MyCommand.Name, path, action));
        return ShouldProcess(path, action);
    }
}
