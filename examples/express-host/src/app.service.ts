import { Injectable } from '@nestjs/common';
import { ProcguardLifecycle } from 'procguard';

@Injectable()
export class AppService {
  private flushed = false;

  constructor(lifecycle: ProcguardLifecycle) {
    // The app's own shutdown work, in procguard's order: after requests drained, before the database closes.
    lifecycle.addShutdownStep({
      name: 'flush the greeting counter',
      run: () => {
        this.flushed = true;
        console.log('example: greeting counter flushed');
      },
    });
  }

  greeting(): { message: string; flushed: boolean } {
    return { message: 'Hello from the example host', flushed: this.flushed };
  }
}
