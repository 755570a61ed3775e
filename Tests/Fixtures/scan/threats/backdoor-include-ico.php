<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

@include "/home/example/public_html/wp-includes/images/favicon_5f3a.ico";
