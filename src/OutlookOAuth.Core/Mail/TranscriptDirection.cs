using System.Text;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

public enum TranscriptDirection { Client, Server, Info }
