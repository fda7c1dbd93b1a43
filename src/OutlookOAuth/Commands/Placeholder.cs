namespace OutlookOAuth.Commands;
