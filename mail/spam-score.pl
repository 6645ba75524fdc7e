#!/usr/bin/perl
# Scores each message file named on the command line with SpamAssassin's local rules (what
# `spamassassin -L -t` does), loading the rules once for all of them: one JSON line per file,
# {"file","score","hits":[{"rule","score","description"}]}. Used by mail/spam-score.ts.
use strict;
use warnings;
use JSON::PP;
use Mail::SpamAssassin;

my $sa = Mail::SpamAssassin->new({
  local_tests_only => 1,
  dont_copy_prefs => 1,
  userprefs_filename => '/dev/null',
});
$sa->compile_now(0, 1);
my $json = JSON::PP->new->canonical->utf8;
local $/;
for my $file (@ARGV) {
  open(my $fh, '<:raw', $file) or die "$file: $!\n";
  my $msg = $sa->parse(<$fh>);
  close($fh);
  my $status = $sa->check($msg);
  my $scores = $status->get_names_of_tests_hit_with_scores_hash;
  my @hits = map {
    { rule => $_, score => 0 + $scores->{$_}, description => $sa->{conf}->get_description_for_rule($_) // '' }
  } sort { $scores->{$b} <=> $scores->{$a} || $a cmp $b } keys %$scores;
  print $json->encode({ file => $file, score => 0 + $status->get_score, hits => \@hits }), "\n";
  $status->finish;
  $msg->finish;
}
